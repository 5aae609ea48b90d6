export const loginRequest = {
  type: 'object',
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 100 },
    password: { type: 'string', minLength: 1, maxLength: 200 },
    /** Space-separated scopes wanted; the token gets those the user may have. Default: all of them. */
    scope: { type: 'string', maxLength: 1000 },
  },
  additionalProperties: false,
} as const;

export const tokenResponse = {
  type: 'object',
  required: ['access_token', 'token_type', 'expires_in', 'scope'],
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: { type: 'integer' },
    scope: { type: 'string' },
  },
} as const;

export const jwks = {
  type: 'object',
  required: ['keys'],
  properties: {
    keys: {
      type: 'array',
      items: { type: 'object', required: ['kty', 'kid'], additionalProperties: { type: 'string' } },
    },
  },
} as const;
