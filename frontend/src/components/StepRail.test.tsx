import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { OnboardingStep } from '../types';
import { StepCounter, StepRail } from './StepRail';

const titles = ['Stack', 'Stripe', 'Database', 'Identity mapping', 'Plan mapping', 'Access mapping', 'Dry run', 'Go live'];

function steps(current: number): OnboardingStep[] {
  return titles.map((title, i) => ({
    number: i + 1,
    key: title.toLowerCase().replace(/ /g, '-'),
    title,
    hint: `Hint for ${title}.`,
    state: i + 1 < current ? 'done' : i + 1 === current ? 'current' : 'todo',
  }));
}

function renderRail(current: number, viewing = current) {
  return render(
    <MemoryRouter>
      <StepRail steps={steps(current)} viewing={viewing} hrefFor={(n) => `/projects/prj_1/onboarding/${n}`} />
    </MemoryRouter>,
  );
}

describe('StepRail', () => {
  it('renders eight numbered steps in order with titles and hints inside a labelled navigation', () => {
    renderRail(1);
    const nav = screen.getByRole('navigation', { name: 'Onboarding steps' });
    const list = within(nav).getByRole('list');
    expect(list.tagName).toBe('OL');
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(8);
    items.forEach((item, i) => {
      expect(item).toHaveTextContent(String(i + 1));
      expect(item).toHaveTextContent(titles[i]);
      expect(item).toHaveTextContent(`Hint for ${titles[i]}.`);
    });
  });

  it('marks the current step with aria-current="step" and only that one', () => {
    renderRail(3);
    const nav = screen.getByRole('navigation', { name: 'Onboarding steps' });
    const links = within(nav).getAllByRole('link');
    const current = links.filter((l) => l.getAttribute('aria-current') === 'step');
    expect(current).toHaveLength(1);
    expect(current[0]).toHaveTextContent('Database');
    expect(current[0]).toHaveTextContent('(current step)');
  });

  it('gives done steps a check icon and "(done)", todo steps "(to do)"', () => {
    renderRail(3);
    const items = screen.getAllByRole('listitem');
    expect(items.map((i) => i.getAttribute('data-state'))).toEqual([
      'done',
      'done',
      'current',
      'todo',
      'todo',
      'todo',
      'todo',
      'todo',
    ]);
    for (const i of [0, 1]) {
      expect(items[i]).toHaveTextContent('(done)');
      expect(within(items[i]).getByTestId('step-done-icon')).toBeInTheDocument();
    }
    for (const i of [2, 3, 4, 5, 6, 7]) {
      expect(within(items[i]).queryByTestId('step-done-icon')).toBeNull();
    }
    expect(items[3]).toHaveTextContent('(to do)');
    expect(items[7]).toHaveTextContent('(to do)');
  });

  it('links every step to its page, so any step can be reached by keyboard', () => {
    renderRail(1);
    const link = screen.getByRole('link', { name: /Go live/ });
    expect(link).toHaveAttribute('href', '/projects/prj_1/onboarding/8');
  });

  it('has no current step when every step is done', () => {
    render(
      <MemoryRouter>
        <StepRail
          steps={steps(9)}
          viewing={1}
          hrefFor={(n) => `/x/${n}`}
        />
      </MemoryRouter>,
    );
    expect(screen.getAllByTestId('step-done-icon')).toHaveLength(8);
    expect(document.querySelector('[aria-current="step"]')).toBeNull();
  });
});

describe('StepCounter', () => {
  it('says which step is shown and how many are done, and opens the whole rail', async () => {
    render(
      <MemoryRouter>
        <StepCounter steps={steps(3)} viewing={3} hrefFor={(n) => `/projects/prj_1/onboarding/${n}`} />
      </MemoryRouter>,
    );
    expect(screen.getByTestId('step-counter')).toHaveTextContent('Step 3 of 8 · Database');
    const toggle = screen.getByRole('button', { name: /Step 3 of 8 · Database.*2 of 8 done/ });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('navigation', { name: 'Onboarding steps' })).toBeNull();

    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const nav = screen.getByRole('navigation', { name: 'Onboarding steps' });
    expect(within(nav).getByRole('link', { name: /Go live/ })).toHaveAttribute('href', '/projects/prj_1/onboarding/8');
  });

  it('names the viewed step, not the current one', () => {
    render(
      <MemoryRouter>
        <StepCounter steps={steps(3)} viewing={6} hrefFor={(n) => `/x/${n}`} />
      </MemoryRouter>,
    );
    expect(screen.getByTestId('step-counter')).toHaveTextContent('Step 6 of 8 · Access mapping');
  });
});
