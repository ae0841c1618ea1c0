import { describe, expect, it } from "vitest";
import { BackendError } from "../../ipc";
import { setLang } from "../../i18n/index.svelte";
import { exportProblem, exportStages, fileNameSafe, suggestedFileName } from "./export";

const invalid = (field: string, message = "refused") =>
  new BackendError({ kind: "invalid", message, input_problems: [], field_problems: [{ field, code: "invalid", params: {}, message }] });
const io = (message: string) => new BackendError({ kind: "io", message, input_problems: [], field_problems: [] });

describe("export stages", () => {
  it("follow the core: sign only when signing, package only for a package", () => {
    expect(exportStages("report", false)).toEqual(["read", "layout", "write"]);
    expect(exportStages("report", true)).toEqual(["read", "layout", "sign", "write"]);
    expect(exportStages("package", true)).toEqual(["read", "layout", "sign", "package", "write"]);
    // A package is always signed, whatever the report's checkbox says.
    expect(exportStages("package", false)).toEqual(["read", "layout", "sign", "package", "write"]);
  });
});

describe("suggested file names", () => {
  it("keep Japanese, and turn what Windows refuses and white space (full-width too) into single underscores", () => {
    expect(fileNameSafe("サンプルクラウド IaaS")).toBe("サンプルクラウド_IaaS");
    expect(fileNameSafe("A/B\\C:D*E?F\"G<H>I|J")).toBe("A_B_C_D_E_F_G_H_I_J");
    expect(fileNameSafe("クラウド\u3000基盤  サービス\t")).toBe("クラウド_基盤_サービス");
    expect(fileNameSafe("..秘密.\u0007")).toBe("秘密");
  });

  it("name the report or the package, the service and the report date, in the report's language", () => {
    expect(suggestedFileName("report", "ja", "サンプルクラウド IaaS", "2026-11-26")).toBe("実施結果報告書_サンプルクラウド_IaaS_2026-11-26.pdf");
    expect(suggestedFileName("package", "ja", "サンプルクラウド IaaS", "2026-11-26")).toBe("提出パッケージ_サンプルクラウド_IaaS_2026-11-26.zip");
    expect(suggestedFileName("report", "en", "Sample Cloud: IaaS", "2026-11-26")).toBe("Assessment_report_Sample_Cloud_IaaS_2026-11-26.pdf");
    expect(suggestedFileName("report", "ja", "", "2026-11-26")).toBe("実施結果報告書_2026-11-26.pdf");
    expect(suggestedFileName("report", "ja", "あ".repeat(100), "2026-11-26")).toBe(`実施結果報告書_${"あ".repeat(60)}_2026-11-26.pdf`);
  });
});

describe("export problems", () => {
  it("are shown beside the field the core names, in the user's language", () => {
    setLang("ja");
    expect(exportProblem(invalid("passphrase"), "/c/firm.p12", "/out/r.pdf")).toEqual({
      field: "passphrase",
      text: "パスフレーズが違うか、PKCS#12 形式のファイルではありません。",
      detail: "",
      notFinal: false,
    });
    expect(exportProblem(invalid("certificate", "the PKCS#12 file holds no private key"), "/c/firm.p12", null)).toMatchObject({
      field: "certificate",
      text: "この証明書ファイルでは署名できません。",
      detail: "the PKCS#12 file holds no private key",
    });
    expect(exportProblem(invalid("certificate"), null, null)).toMatchObject({ field: "certificate", text: "証明書ファイルを選んでください。" });
    expect(exportProblem(invalid("report_date"), null, null)).toMatchObject({ field: "report_date" });
  });

  it("say at the top when the engagement is not finalized after all", () => {
    setLang("ja");
    for (const field of ["sign", "package"]) {
      expect(exportProblem(invalid(field), "/c/firm.p12", null)).toMatchObject({ field: null, notFinal: true });
    }
  });

  it("tell an unreadable certificate from an unwritable destination by the path the core names", () => {
    setLang("ja");
    expect(exportProblem(io("/c/firm.p12: No such file or directory (os error 2)"), "/c/firm.p12", "/out/r.pdf")).toMatchObject({
      field: "certificate",
      text: "証明書ファイルを読み込めませんでした。",
    });
    expect(exportProblem(io("/out/r.pdf: Permission denied (os error 13)"), "/c/firm.p12", "/out/r.pdf")).toMatchObject({
      field: "destination",
      text: "この保存先には書き込めませんでした。別の保存先を選んでください。",
    });
    expect(exportProblem(io("/work/a.ismap: No such file"), null, "/out/r.pdf")).toMatchObject({ field: null, text: "ファイルの読み書きに失敗しました。" });
  });
});
