import { describe, expect, it } from "vitest";
import { BackendError } from "../../ipc";
import type { ReviewState } from "../../ipc/bindings/ReviewState";
import type { SignOff } from "../../ipc/bindings/SignOff";
import type { SignOffLevel } from "../../ipc/bindings/SignOffLevel";
import { setLang } from "../../i18n/index.svelte";
import { blockerText, historyEntries, nextSigning, reviewErrorText, showChange, teamRole, UserMessage } from "./review";
import { demoFields } from "../ipc/fake";

const signoff = (level: SignOffLevel, signer: string): SignOff => ({
  item_kind: "procedure",
  item_id: "9.2.3.11.PB/P1",
  level,
  signer,
  role: "reviewer",
  at: "2026-05-20T01:02:03.000Z",
  content_sha256: "0".repeat(64),
  withdrawn: null,
});

const state = (levels: [SignOffLevel, string][], extra: Partial<ReviewState> = {}): ReviewState => ({
  item_kind: "procedure",
  item_id: "9.2.3.11.PB/P1",
  signoffs: levels.map(([l, s]) => signoff(l, s)),
  required: ["preparer", "reviewer"],
  changed_after_signoff: false,
  changes: [],
  complete: false,
  ...extra,
});

const invalid = (code: string, params: Record<string, string> = {}, field = "level") =>
  new BackendError({ kind: "invalid", message: "x", input_problems: [], field_problems: [{ field, code, params, message: "x" }] });

describe("review: who signs next", () => {
  it("offers the first missing level to a role allowed to sign it", () => {
    expect(nextSigning(state([]), "assessor")).toEqual({ kind: "sign", level: "preparer", again: false });
    expect(nextSigning(state([["preparer", "佐藤 花子"]]), "assessor")).toEqual({ kind: "waiting", level: "reviewer" });
    expect(nextSigning(state([["preparer", "佐藤 花子"]]), "reviewer")).toEqual({ kind: "sign", level: "reviewer", again: false });
    expect(nextSigning(state([["preparer", "佐藤 花子"]]), null)).toEqual({ kind: "not_on_team", level: "reviewer" });
    expect(nextSigning(state([["preparer", "a"], ["reviewer", "b"]], { complete: true }), "partner")).toEqual({ kind: "complete" });
    const second = state([["preparer", "a"], ["reviewer", "b"]], { required: ["preparer", "reviewer", "second_reviewer"] });
    expect(nextSigning(second, "reviewer")).toEqual({ kind: "waiting", level: "second_reviewer" });
    expect(nextSigning(second, "manager")).toEqual({ kind: "sign", level: "second_reviewer", again: false });
  });

  it("asks the preparer to sign again after a change", () => {
    expect(nextSigning(state([["preparer", "佐藤 花子"]], { changed_after_signoff: true }), "assessor")).toEqual({ kind: "sign", level: "preparer", again: true });
  });

  it("finds the user's role on the team by name", () => {
    expect(teamRole(demoFields(), "山田 太郎")).toBe("manager");
    expect(teamRole(demoFields(), "部外者")).toBe(null);
    expect(teamRole(null, "山田 太郎")).toBe(null);
  });
});

describe("review: messages", () => {
  it("translates the core's refusals by code, with the level in Japanese", () => {
    setLang("ja");
    expect(reviewErrorText(invalid("same_person", { level: "reviewer" }))).toBe("同じ項目の複数の段階に同じ人が署名することはできません。査閲者の署名は別の人が行ってください。");
    expect(reviewErrorText(invalid("role_not_allowed", { level: "second_reviewer" }))).toBe("チームでのあなたの役割では、二次査閲者として署名できません。");
    expect(reviewErrorText(invalid("role_not_allowed", {}, "role"))).toBe("確定と再開は、チームのマネージャーまたは業務執行責任者のみが行えます。");
    expect(reviewErrorText(invalid("not_on_team", { name: "部外者" }, "signer"))).toContain("「部外者」は監査チームに登録されていない");
    expect(reviewErrorText(invalid("something_new"))).toBe("入力内容を確認してください。");
    expect(reviewErrorText(new BackendError({ kind: "already_exists", message: "x", input_problems: [], field_problems: [] }))).toBe("この段階はすでに署名されています。");
    expect(reviewErrorText(new BackendError({ kind: "locked", message: "x", input_problems: [], field_problems: [] }))).toContain("確定（ロック）されているため");
    expect(reviewErrorText(new UserMessage("そのまま"))).toBe("そのまま");
  });

  it("names each blocker in Japanese", () => {
    setLang("ja");
    expect(blockerText({ code: "not_signed", item_id: "5.1.1.1", level: "reviewer" })).toBe("5.1.1.1: 査閲者の署名がありません");
    expect(blockerText({ code: "changed_after_signoff", item_id: "5.1.1.1/P2", level: null })).toBe("5.1.1.1/P2: 署名後に変更されています（再署名が必要）");
    expect(blockerText({ code: "new_code", item_id: "X", level: null })).toBe("X: 確定できない理由があります");
  });

  it("shows a change field by field, and a control's procedures by what happened to them", () => {
    setLang("ja");
    expect(showChange({ field: "procedure.result", before: null, after: "exception" })).toEqual({ field: "procedure.result", label: "結果", before: "（なし）", after: "例外事項あり" });
    expect(showChange({ field: "procedure.exceptions", before: [], after: [{ id: "E-0001", procedure_id: "p", text: "承認なし" }] }).after).toBe("E-0001：承認なし");
    const procedures = showChange({
      field: "procedures",
      before: [{ id: "C/P1", sha256: "a" }, { id: "C/P2", sha256: "b" }],
      after: [{ id: "C/P1", sha256: "x" }, { id: "C/P3", sha256: "c" }],
    });
    expect(procedures).toMatchObject({ label: "手続", before: "P1、P2", after: "P1（変更）、P3（追加）、P2（削除）" });
    expect(showChange({ field: "scope", before: "in_scope", after: "not_adopted" }).after).toBe("不採用（事業者が採用していない）");
  });

  it("reads events for the history, with before → after where they have changes", () => {
    setLang("ja");
    const event = (seq: number, kind: string, payload: object) => ({ seq, kind, payload: JSON.stringify({ kind, ...payload }), actor: "佐藤 花子", at: "2026-05-20T01:02:03.000Z", prev_hash: "", hash: "" });
    const [updated, edited, signed, marked, broken] = historyEntries([
      event(2, "procedure_updated", { id: "C/P1", changes: [{ field: "work_done", before: "", after: "質問した。" }] }),
      event(3, "exception_edited", { id: "E-0001", before: "旧", after: "新" }),
      event(4, "signed_off", { signoff: { item_id: "C/P1", level: "preparer" }, content: {} }),
      event(5, "changed_after_signoff", { item_kind: "procedure", item_id: "C/P1", by_seq: 6, at: "", withdrawn: ["reviewer"] }),
      { ...event(6, "future_kind", {}), payload: "not json" },
    ]);
    expect(updated).toMatchObject({ label: "手続の更新", detail: "C/P1", changes: [{ label: "実施内容", before: "（なし）", after: "質問した。" }] });
    expect(edited.changes).toEqual([{ field: "text", label: "例外事項の記載", before: "旧", after: "新" }]);
    expect(signed).toMatchObject({ label: "署名", detail: "C/P1 に作成者として署名", changes: [] });
    expect(marked.detail).toBe("C/P1 が署名後に変更されたため、査閲者の署名を取り消し");
    expect(broken).toMatchObject({ label: "future_kind", detail: "", actor: "佐藤 花子" });
  });
});
