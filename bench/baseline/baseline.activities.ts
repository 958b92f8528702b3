/** The baseline's one activity: it does nothing, so what the baseline measures is Temporal's own round trips. */
export async function echo(n: number): Promise<number> {
  return n;
}
