/** One line of `vya check`: what was checked, whether it passed, what was found. */
export interface CheckItem {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
}
