/** `GET /api/users/me`. */
export const user = {
  type: 'object',
  required: ['id', 'username', 'name'],
  properties: { id: { type: 'string' }, username: { type: 'string' }, name: { type: 'string' } },
} as const;
