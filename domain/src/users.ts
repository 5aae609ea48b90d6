import type { DatabaseSync } from 'node:sqlite';
import { DomainError } from './errors.ts';
import { verifyPassword } from './passwords.ts';

export interface User {
  id: string;
  username: string;
  name: string;
  scopes: string[];
}

export function createUsers(db: DatabaseSync) {
  const byId = db.prepare('SELECT id, username, name, scopes FROM users WHERE id = ?');
  const byUsername = db.prepare(
    'SELECT id, username, name, scopes, password_hash FROM users WHERE username = ?',
  );

  const toUser = (row: Record<string, unknown>): User => ({
    id: row.id as string,
    username: row.username as string,
    name: row.name as string,
    scopes: (row.scopes as string).split(' ').filter(Boolean),
  });

  function get(id: string): User {
    const row = byId.get(id);
    if (!row) throw new DomainError.UserNotFound(id);
    return toUser(row);
  }

  /** The user whose password this is, or INVALID_CREDENTIALS without saying which part was wrong. */
  function authenticate(username: string, password: string): User {
    const row = byUsername.get(username);
    if (!verifyPassword(password, row?.password_hash as string | undefined))
      throw new DomainError.InvalidCredentials();
    return toUser(row!);
  }

  return { get, authenticate };
}

export type Users = ReturnType<typeof createUsers>;
