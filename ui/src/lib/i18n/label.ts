// The label of a value that comes as data rather than from a closed set the
// core declares: a catalog's importance ("standard", "high") is the
// customer's text, so an unknown value is shown as it is, while a known one
// is shown in the user's language and never as its raw English code.
import { catalogs, t } from "./index.svelte";

/** `prefix.value`'s message when the catalogs hold one, else `value` itself. */
export function labelOr(prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return key in catalogs.ja ? t(key) : value;
}
