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
