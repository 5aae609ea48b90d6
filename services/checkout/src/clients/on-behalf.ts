/** Whom a call to another service is made for, and the request it belongs to. */
export interface OnBehalf {
  /** The customer: sent as `x-user-id` beside the service token, so the callee records it as theirs. */
  user: string;
  /** The client's request id, so one id follows a checkout through every service's logs. */
  requestId?: string;
}

/** The parts of an upstream request that say whom it is for. */
export function onBehalf(on: OnBehalf) {
  return {
    actingFor: on.user,
    headers: on.requestId ? { 'x-request-id': on.requestId } : undefined,
  };
}
