export function orderStub(id: string): string {
  return id;
}
