export function send(body: string): string {
  return body;
}
