// Where a refusal of the export is shown, from the field and code the core
// names (small literal stubs of its payloads; the real refusals are in
// ExportDialog.test.ts).
import { describe, expect, it } from "vitest";
import { BackendError } from "../../ipc";
import type { ProblemCode } from "../../ipc/bindings/ProblemCode";
import { setLang } from "../../i18n/index.svelte";
import { exportProblem } from "./export";

const refused = (field: string, code: ProblemCode, message = "refused") =>
  new BackendError({ kind: "invalid", message, input_problems: [], field_problems: [{ field, code, params: {}, message }] });

describe("export problems", () => {
  it("are shown beside the field the core names, in the user's language, with its words where they help", () => {
    setLang("ja");
    expect(exportProblem(refused("passphrase", "passphrase", "mac mismatch"))).toEqual({
      field: "passphrase",
      text: "パスフレーズが違うか、PKCS#12 形式のファイルではありません。",
      detail: "",
      notFinal: false,
    });
    expect(exportProblem(refused("certificate", "certificate", "the PKCS#12 file holds no private key"))).toEqual({
      field: "certificate",
      text: "この証明書ファイルでは署名できません。",
      detail: "the PKCS#12 file holds no private key",
      notFinal: false,
    });
    expect(exportProblem(refused("certificate", "certificate_required"))).toMatchObject({ field: "certificate", text: "証明書ファイルを選んでください。", detail: "" });
    expect(exportProblem(refused("certificate", "certificate_unreadable", "/c/firm.p12: No such file"))).toMatchObject({
      field: "certificate",
      text: "証明書ファイルを読み込めませんでした。",
      detail: "/c/firm.p12: No such file",
    });
    expect(exportProblem(refused("destination", "write", "Permission denied (os error 13)"))).toMatchObject({
      field: "destination",
      text: "この保存先には書き込めませんでした。別の保存先を選んでください。",
      detail: "Permission denied (os error 13)",
    });
  });

  it("say at the top when the engagement is not finalized after all", () => {
    setLang("ja");
    for (const field of ["sign", "package"]) {
      expect(exportProblem(refused(field, "not_final"))).toMatchObject({ field: null, notFinal: true, detail: "" });
    }
  });

  it("say at the top what the core names no field for, with its words", () => {
    setLang("ja");
    const io = new BackendError({ kind: "io", message: "/work/a.ismap: No such file", input_problems: [], field_problems: [] });
    expect(exportProblem(io)).toEqual({ field: null, text: "ファイルの読み書きに失敗しました。", detail: "/work/a.ismap: No such file", notFinal: false });
    expect(exportProblem(refused("signature", "invalid"))).toMatchObject({ field: null, text: "入力内容を確認してください。" });
  });
});
