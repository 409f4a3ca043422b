// /welcome — the first-run screen right after the owner account is created:
// explore the built-in demo, or set up a project on your own Stripe and app.
import { ArrowRight, FolderPlus, Sparkles } from 'lucide-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { DemoAppPicker, ExploreDemoButton } from '../components/DemoControls';
import { Card } from '../components/ui';
import { hasRole, useMe } from '../session';
import type { DemoApp } from '../types';

export function WelcomePage() {
  const me = useMe();
  const first = me.data?.name?.split(' ')[0];
  // SQL first: it is where a newcomer sees the whole loop run by itself
  // (approve a repair → the UPDATE → re-check → verified).
  const [app, setApp] = useState<DemoApp>('sql');
  return (
    <div className="mx-auto max-w-3xl py-6">
      <h1 className="text-2xl font-semibold tracking-tight text-gray-900">
        Welcome to ParityRail{first ? `, ${first}` : ''}
      </h1>
      <p className="mt-2 max-w-2xl text-sm leading-6 text-gray-600">
        ParityRail checks that your app grants exactly the access your Stripe billing promises — no more, no less. Two
        ways to start:
      </p>
      <div className="mt-8 grid gap-4 sm:grid-cols-2">
        <Card className="flex flex-col p-6">
          <span className="flex size-10 items-center justify-center rounded-full bg-indigo-50 text-indigo-600">
            <Sparkles aria-hidden className="size-5" />
          </span>
          <h2 className="mt-4 text-base font-semibold text-gray-900">See it on demo data</h2>
          <p className="mt-1 flex-1 text-sm leading-6 text-gray-600">
            Acme Analytics, a sample SaaS: 61 Stripe customers in every subscription state and an app that gets access
            wrong in every way ParityRail catches. No account needed; the first check takes seconds.
          </p>
          {hasRole(me.data, 'admin') ? (
            <>
              <div className="mt-5">
                <DemoAppPicker value={app} onChange={setApp} />
              </div>
              <ExploreDemoButton app={app} className="mt-5 w-full" />
            </>
          ) : (
            <p className="mt-5 text-sm text-gray-500">An admin of this workspace can create the demo project.</p>
          )}
        </Card>
        <Card className="flex flex-col p-6">
          <span className="flex size-10 items-center justify-center rounded-full bg-gray-100 text-gray-600">
            <FolderPlus aria-hidden className="size-5" />
          </span>
          <h2 className="mt-4 text-base font-semibold text-gray-900">Check your own app</h2>
          <p className="mt-1 flex-1 text-sm leading-6 text-gray-600">
            Connect Stripe with a read-only key and your app's Postgres / Supabase or Clerk, map plans and access
            fields, and run a dry run. About ten minutes.
          </p>
          <Link
            to="/projects?new=1"
            className="mt-5 inline-flex w-full items-center justify-center gap-2 rounded-md border border-gray-300 bg-white px-3.5 py-2 text-sm font-medium text-gray-900 shadow-xs hover:bg-gray-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
          >
            Set up my own project
            <ArrowRight aria-hidden className="size-4" />
          </Link>
        </Card>
      </div>
      <p className="mt-6 text-xs text-gray-500">
        You can do both: demo projects are marked <span className="font-medium text-violet-700">Demo</span> everywhere and
        never hold real keys.
      </p>
    </div>
  );
}
