/** A malformed program or a bad builder call: the message names the op and the rule broken. */
export class IRError extends Error {
  constructor(
    message: string,
    readonly where?: { readonly opId?: number; readonly kind?: string; readonly scope?: string },
  ) {
    super(message);
    this.name = 'IRError';
  }
}
