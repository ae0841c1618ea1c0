// How review facts are worded: pure presentation, with small literal stubs
// of what the core sends (the behaviour against the real core is in
// ReviewView.test.ts).
import { describe, expect, it } from "vitest";
import { BackendError } from "../../ipc";
import type { EventRecord } from "../../ipc/bindings/EventRecord";
import type { ErrorKind } from "../../ipc/bindings/ErrorKind";
import type { ProblemCode } from "../../ipc/bindings/ProblemCode";
import { setLang } from "../../i18n/index.svelte";
import { blockerCountText, blockerText, controlOfItem, historyEntries, reviewErrorText, shortId, showChange, UserMessage } from "./review";

const refused = (field: string, code: ProblemCode, params: Record<string, string> = {}) =>
  new BackendError({ kind: "invalid", message: "x", input_problems: [], field_problems: [{ field, code, params, message: "x" }] });
const failed = (kind: ErrorKind) => new BackendError({ kind, message: "x", input_problems: [], field_problems: [] });

describe("review: messages", () => {
  it("translates the core's refusals by code, with the level in Japanese", () => {
    setLang("ja");
    expect(reviewErrorText(refused("level", "same_person", { level: "reviewer" }))).toBe(
      "同じ項目の複数の段階に同じ人が署名することはできません。査閲者の署名は別の人が行ってください。",
    );
    expect(reviewErrorText(refused("level", "role_not_allowed", { level: "second_reviewer" }))).toBe("チームでのあなたの役割では、二次査閲者として署名できません。");
    expect(reviewErrorText(refused("level", "no_result", { level: "preparer" }))).toBe("結果が入力されていない手続があるため署名できません。");
    expect(reviewErrorText(refused("role", "role_not_allowed"))).toBe("確定と再開は、チームのマネージャーまたは業務執行責任者のみが行えます。");
    expect(reviewErrorText(refused("signer", "not_on_team", { name: "部外者" }))).toContain("「部外者」は監査チームに登録されていない");
    expect(reviewErrorText(failed("already_exists"))).toBe("この段階はすでに署名されています。");
    expect(reviewErrorText(failed("locked"))).toContain("確定（ロック）されているため");
    expect(reviewErrorText(new UserMessage("そのまま"))).toBe("そのまま");
  });

  it("names the items of a finalizing refused for what blocks it", () => {
    setLang("ja");
    const err = new BackendError({
      kind: "invalid",
      message: "x",
      input_problems: [],
      field_problems: [
        { field: "5.1.1.1/P1", code: "no_result", params: { level: "" }, message: "x" },
        { field: "5.1.1.1", code: "not_signed", params: { level: "reviewer" }, message: "x" },
      ],
    });
    expect(reviewErrorText(err)).toBe("5.1.1.1/P1: 結果が未記録です 5.1.1.1: 査閲者の署名がありません");
  });

  it("names each blocker and counts them in Japanese", () => {
    setLang("ja");
    expect(blockerText({ code: "not_signed", item_id: "5.1.1.1", level: "reviewer" })).toBe("5.1.1.1: 査閲者の署名がありません");
    expect(blockerText({ code: "changed_after_signoff", item_id: "5.1.1.1/P2", level: null })).toBe("5.1.1.1/P2: 署名後に変更されています（再署名が必要）");
    expect(blockerText({ code: "signed_off", item_id: "X", level: null })).toBe("X: 確定できない理由があります");
    expect(blockerCountText("open_note", 2)).toBe("未解消のレビューノート 2 件");
    expect(blockerCountText("signed_off", 3)).toBe("その他 3 件");
  });

  it("leads from an item to its control, and shows a procedure by its number", () => {
    expect(controlOfItem("9.2.3.11.PB/P2")).toBe("9.2.3.11.PB");
    expect(controlOfItem("4.4.1.1/P3/S7")).toBe("4.4.1.1");
    expect(controlOfItem("5.1.1.1")).toBe("5.1.1.1");
    expect(shortId("9.2.3.11.PB/P2")).toBe("P2");
  });
});

describe("review: what changed", () => {
  it("shows a change field by field, and a control's procedures by what happened to them", () => {
    setLang("ja");
    expect(showChange({ field: "procedure.result", before: null, after: "exception" })).toEqual({ field: "procedure.result", label: "結果", before: "（なし）", after: "例外事項あり" });
    expect(showChange({ field: "procedure.exceptions", before: [], after: [{ id: "E-0001", procedure_id: "p", text: "承認なし" }] }).after).toBe("E-0001：承認なし");
    const procedures = showChange({
      field: "procedures",
      before: [
        { id: "C/P1", sha256: "a" },
        { id: "C/P2", sha256: "b" },
      ],
      after: [
        { id: "C/P1", sha256: "x" },
        { id: "C/P3", sha256: "c" },
      ],
    });
    expect(procedures).toMatchObject({ label: "手続", before: "P1、P2", after: "P1（変更）、P3（追加）、P2（削除）" });
    expect(showChange({ field: "scope", before: "in_scope", after: "not_adopted" }).after).toBe("不採用（事業者が採用していない）");
    expect(showChange({ field: "sampling.sample", before: null, after: "x" }).label).toBe("標本テスト");
    // A field this page has no name for is shown as the core names it.
    expect(showChange({ field: "procedure.brand_new", before: "a", after: "b" })).toMatchObject({ label: "procedure.brand_new", before: "a", after: "b" });
  });

  it("reads events for the history, with before → after where they have changes", () => {
    setLang("ja");
    const event = (seq: number, kind: string, payload: object): EventRecord => ({
      seq,
      kind: kind as EventRecord["kind"],
      payload: JSON.stringify({ kind, ...payload }),
      actor: "佐藤 花子",
      at: "2026-05-20T01:02:03.000Z",
      prev_hash: "",
      hash: "",
      from_copy: null,
    });
    const [updated, edited, signed, marked, scoped, broken] = historyEntries([
      event(2, "procedure_updated", { id: "C/P1", changes: [{ field: "work_done", before: "", after: "質問した。" }] }),
      event(3, "exception_edited", { id: "E-0001", before: "旧", after: "新" }),
      event(4, "signed_off", { signoff: { item_id: "C/P1", level: "preparer" }, content: {} }),
      event(5, "changed_after_signoff", { item_kind: "procedure", item_id: "C/P1", by_seq: 6, at: "", withdrawn: ["reviewer"] }),
      event(6, "scope_set", { control_id: "C", decision: "not_adopted", reason: "言明書", before: "in_scope" }),
      { ...event(7, "future_kind", {}), payload: "not json" },
    ]);
    expect(updated).toMatchObject({ label: "手続の更新", detail: "C/P1", changes: [{ label: "実施内容", before: "（なし）", after: "質問した。" }] });
    expect(edited.changes).toEqual([{ field: "text", label: "例外事項の記載", before: "旧", after: "新" }]);
    expect(signed).toMatchObject({ label: "署名", detail: "C/P1 に作成者として署名", changes: [] });
    expect(marked.detail).toBe("C/P1 が署名後に変更されたため、査閲者の署名を取り消し");
    expect(scoped).toMatchObject({ detail: "C：不採用（事業者が採用していない）（言明書）", changes: [{ label: "対象範囲", after: "不採用（事業者が採用していない）" }] });
    expect(broken).toMatchObject({ label: "future_kind", detail: "", actor: "佐藤 花子" });
  });
});
