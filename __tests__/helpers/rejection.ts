/** The error a promise rejects with; a resolved promise fails the test. */
export async function rejection<E = Error>(p: Promise<unknown>): Promise<E> {
  try {
    await p
  } catch (err) {
    return err as E
  }
  throw new Error('expected a rejection')
}
