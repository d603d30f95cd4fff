/** A user for the benches: registered and logged in on the API at `base`; the JSON headers with its token. */
export async function benchUserHeaders(base: string): Promise<{ 'content-type': string; authorization: string }> {
  const jsonHeaders = { 'content-type': 'application/json' };
  const credentials = JSON.stringify({ username: 'bench-user', password: 'password123' });
  await fetch(`${base}/register`, { method: 'POST', headers: jsonHeaders, body: credentials });
  const login = await fetch(`${base}/login`, { method: 'POST', headers: jsonHeaders, body: credentials });
  const { token } = (await login.json()) as { token?: string };
  if (!token) throw new Error(`login failed: ${login.status}`);
  return { ...jsonHeaders, authorization: `Bearer ${token}` };
}

/**
 * GET a task's /result as a long-poll (`?wait=30`), again until it is no longer 202; the final answer. A client
 * that polls in a tight loop loads the API it measures: the long-poll answers when the commit lands.
 */
export async function longPoll(base: string, headers: Record<string, string>, path: string): Promise<Response> {
  for (;;) {
    const res = await fetch(`${base}${path}?wait=30`, { headers });
    if (res.status !== 202) return res;
    await res.arrayBuffer();
  }
}
