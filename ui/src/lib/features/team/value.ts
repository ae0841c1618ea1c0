// How a conflict's values read for a person: text as it is, a removed item
// as 「（削除）」, anything else (a scope decision, a tickmark) as compact JSON.
import { t } from "../../i18n/index.svelte";
import type { Conflict } from "../../ipc/bindings/Conflict";
import type { ConflictSide } from "../../ipc/bindings/ConflictSide";
import { fieldLabel } from "../review/review";

export function valueText(value: unknown): string {
  if (value === null || value === undefined) return t("merge.removed");
  if (typeof value === "string") return value === "" ? t("common.none") : value;
  if (value === true) return t("merge.kept");
  return JSON.stringify(value);
}

export function sideText(side: ConflictSide): string {
  return side.removed ? t("merge.removed") : valueText(side.value);
}

export function originText(side: ConflictSide): string {
  return side.origin === "" ? t("merge.side_file") : t("merge.side_copy", { code: side.origin, for: side.origin_name });
}

/** The conflicting field for people: a procedure's field by its label, a sign-off by its level, a grid cell by row and attribute. */
export function conflictField(c: Conflict): string {
  if (c.field === "exists" || c.field === "applied") return t(`merge.field.${c.field}`);
  const [head, ...rest] = c.field.split(":");
  if (head === "signoff") return t("merge.field.signoff", { level: t(`review.level.${rest[0]}`) });
  if (head === "cell") return t("merge.field.cell", { no: rest[0] ?? "", attribute: rest.slice(1).join(":") });
  if (c.item_kind === "exception" && c.field === "text") return fieldLabel("exception_text");
  return fieldLabel(c.field);
}
