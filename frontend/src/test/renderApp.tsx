import { render } from '@testing-library/react';
import { MemoryRouter, useLocation } from 'react-router';
import { App } from '../App';
import { Providers } from '../Providers';
import { makeQueryClient } from '../queryClient';

export const location = { current: '' };

function LocationProbe() {
  const loc = useLocation();
  location.current = loc.pathname + loc.search;
  return null;
}

export function renderApp(path: string) {
  const client = makeQueryClient();
  const utils = render(
    <Providers client={client}>
      <MemoryRouter initialEntries={[path]}>
        <App />
        <LocationProbe />
      </MemoryRouter>
    </Providers>,
  );
  return { ...utils, client };
}
