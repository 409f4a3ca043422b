// Session state shared by every page: who is signed in and whether the
// workspace still needs its owner.
import { useQuery } from '@tanstack/react-query';
import { api, isApiError } from './api';
import type { Role, User } from './types';

export const meKey = ['me'] as const;
export const setupKey = ['setup'] as const;

/** The signed-in user, or null when there is no session (401). */
export async function fetchMe(): Promise<User | null> {
  try {
    return await api.me();
  } catch (err) {
    if (isApiError(err, 401)) return null;
    throw err;
  }
}

export function useMe() {
  return useQuery({ queryKey: meKey, queryFn: fetchMe, staleTime: 30_000 });
}

export function useSetupStatus() {
  // just_created is set locally by the setup page, never by the server.
  return useQuery<{ required: boolean; just_created?: boolean }>({
    queryKey: setupKey,
    queryFn: api.setupStatus,
    staleTime: Infinity,
  });
}

const rank: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

/** Roles are cumulative: member < admin < owner. */
export function hasRole(user: Pick<User, 'role'> | null | undefined, atLeast: Role): boolean {
  return !!user && rank[user.role] >= rank[atLeast];
}

export const roleLabel: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
