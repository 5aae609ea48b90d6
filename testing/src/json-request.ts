export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: T;
}

export interface JsonRequestOptions {
  method?: string;
  /** Sent as JSON; a string is sent as is (for malformed-JSON tests). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Shorthand for `Authorization: Bearer <token>`. */
  token?: string;
}

/** One real HTTP request with a JSON body and a JSON answer: what a test client needs and no more. */
export async function jsonRequest<T = any>(
  url: string,
  options: JsonRequestOptions = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(url, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
