import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CircleCheck, Plus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { toast } from 'sonner';
import { api } from '../api';
import { DataTable, type Column } from '../components/DataTable';
import { ExploreDemoButton } from '../components/DemoControls';
import { Modal, ModalActions } from '../components/Modal';
import { QueryGate } from '../components/QueryGate';
import { Button, DemoBadge, EmptyState, Mono, PageHeader, TextField } from '../components/ui';
import { accessLabel, billingLabel, formatDate, isDemo } from '../format';
import { hasRole, useMe } from '../session';
import type { Project } from '../types';

export const projectsKey = ['projects'] as const;
export const projectKey = (id: string) => ['projects', id] as const;

export function onboardingProgress(p: Project): string {
  const total = p.onboarding?.steps?.length || 8;
  if (p.onboarded || !p.onboarding?.current_step) return 'Onboarded';
  return `Step ${p.onboarding.current_step} of ${total}`;
}

const projectColumns: Column[] = [
  { label: 'Name' },
  { label: 'Sources', className: 'hidden md:table-cell' },
  { label: 'Onboarding' },
  { label: 'Created', className: 'hidden sm:table-cell' },
];

function Sources({ project }: { project: Project }) {
  if (!project.billing_source && !project.access_source) {
    return <span className="text-gray-400">Not chosen yet</span>;
  }
  return (
    <span>
      {billingLabel[project.billing_source] ?? '—'}
      <span className="text-gray-400"> → </span>
      {accessLabel[project.access_source] ?? '—'}
    </span>
  );
}

function NewProjectDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: api.createProject,
    onSuccess: (project) => {
      queryClient.setQueryData(projectKey(project.id), project);
      queryClient.invalidateQueries({ queryKey: projectsKey, exact: true });
      toast.success(`Project “${project.name}” created`);
      onOpenChange(false);
      setName('');
      navigate(`/projects/${project.id}/onboarding`);
    },
  });
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ name: name.trim() });
  }
  return (
    <Modal
      open={open}
      onOpenChange={(o) => {
        if (!o) create.reset();
        onOpenChange(o);
      }}
      title="New project"
      description="One project is one Stripe account checked against one app's access state. You pick the sources in the first onboarding step."
    >
      <form onSubmit={onSubmit} className="space-y-4">
        <TextField
          label="Project name"
          name="name"
          required
          autoFocus
          placeholder="e.g. Acme production"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <ModalActions mutation={create} confirmLabel="Create project" busyLabel="Creating…" />
      </form>
    </Modal>
  );
}

export function ProjectsPage() {
  const me = useMe();
  const isAdmin = hasRole(me.data, 'admin');
  // /projects?new=1 (the first-run screen's "Set up my own project") opens
  // the new-project dialog at once.
  const [search, setSearch] = useSearchParams();
  const [creating, setCreatingState] = useState(search.get('new') === '1');
  const setCreating = (open: boolean) => {
    setCreatingState(open);
    if (!open && search.has('new')) setSearch({}, { replace: true });
  };
  const projects = useQuery({ queryKey: projectsKey, queryFn: api.listProjects });

  return (
    <>
      <PageHeader
        title="Projects"
        description="Each project checks one Stripe account against the access your app grants."
        actions={
          isAdmin && (
            <>
              {(projects.data?.items.length ?? 0) > 0 && <ExploreDemoButton variant="secondary" />}
              <Button onClick={() => setCreating(true)}>
                <Plus aria-hidden className="size-4" />
                New project
              </Button>
            </>
          )
        }
      />
      {isAdmin && <NewProjectDialog open={creating} onOpenChange={setCreating} />}

      <QueryGate query={projects} loading="Loading projects…" failed="Could not load projects">
        {(page) =>
          page.items.length === 0 ? (
            <EmptyState title="No projects yet">
              {isAdmin ? (
                <>
                  <p>Create a project to connect Stripe and your app, or try it with demo data.</p>
                  <div className="mt-4 flex flex-wrap justify-center gap-2">
                    <ExploreDemoButton />
                    <Button variant="secondary" onClick={() => setCreating(true)}>
                      <Plus aria-hidden className="size-4" />
                      Create your first project
                    </Button>
                  </div>
                </>
              ) : (
                <p>An admin of this workspace can create one.</p>
              )}
            </EmptyState>
          ) : (
            <DataTable columns={projectColumns}>
              {page.items.map((p) => (
                <tr key={p.id} className="hover:bg-gray-50">
                  <td className="px-4 py-3 align-top">
                    <Link
                      to={p.onboarded ? `/projects/${p.id}` : `/projects/${p.id}/onboarding`}
                      className="font-medium text-gray-900 hover:text-indigo-700 hover:underline"
                    >
                      {p.name}
                    </Link>
                    {isDemo(p) && <DemoBadge className="ml-2 align-middle" />}
                    <div className="mt-0.5">
                      <Mono value={p.id} what="Project id" />
                    </div>
                  </td>
                  <td className="hidden px-4 py-3 align-top text-gray-700 md:table-cell">
                    <Sources project={p} />
                  </td>
                  <td className="px-4 py-3 align-top">
                    {p.onboarded ? (
                      <span className="inline-flex items-center gap-1 text-emerald-700">
                        <CircleCheck aria-hidden className="size-4" />
                        Onboarded
                      </span>
                    ) : (
                      <span className="text-gray-700">{onboardingProgress(p)}</span>
                    )}
                  </td>
                  <td className="hidden px-4 py-3 align-top text-gray-500 sm:table-cell">
                    {formatDate(p.created_at)}
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </QueryGate>
    </>
  );
}
