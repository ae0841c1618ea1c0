// The export dialog against the real core: drafts of an open engagement,
// the final report (signed with a throwaway certificate made here with
// openssl) and the submission package of a finalized one, and each refusal
// shown where the user can put it right. The test stands in for the user
// at the native dialogs (`core.choose`).
import { afterEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import DashboardView from "../dashboard/DashboardView.svelte";
import ReviewView from "../review/ReviewView.svelte";
import { Session } from "../../session.svelte";
import type { Client } from "../../ipc";
import type { ExportProgress } from "../../ipc/bindings/ExportProgress";
import type { ExportStage } from "../../ipc/bindings/ExportStage";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp } from "../../../test/render";

const PASSPHRASE = "test-pass";

let core: Core | null = null;
afterEach(async () => {
  setLang("ja");
  await core?.stop();
  core = null;
});

/** Today in Japan, as the core dates a report, written out here rather than taken from the code under test. */
function todayInJapan(): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tokyo", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

/**
 * A throwaway firm certificate in `dir` (as tests/e2e/export.test.mjs makes
 * one): `firm.p12` with its key, and `no-key.p12` with the certificate only.
 */
function certificates(dir: string): { p12: string; keyless: string } {
  mkdirSync(dir, { recursive: true });
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "firm.key", "-out", "firm.pem", "-days", "2",
    "-subj", "/O=Throwaway UI test firm/CN=UI test signer", "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,digitalSignature,keyCertSign");
  run("pkcs12", "-export", "-inkey", "firm.key", "-in", "firm.pem", "-out", "firm.p12", "-passout", `pass:${PASSPHRASE}`);
  run("pkcs12", "-export", "-nokeys", "-in", "firm.pem", "-out", "no-key.p12", "-passout", `pass:${PASSPHRASE}`);
  return { p12: join(dir, "firm.p12"), keyless: join(dir, "no-key.p12") };
}

/** Where an export may be written: a folder of the core's data folder. */
function out(name: string): string {
  const dir = join(core!.dataDir, "exports");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/**
 * The demo (open, or finalized by its manager with the CLI), opened as the
 * assessor in `lang`. With `holdAt`, the core's progress of an export is
 * handed to the dialog up to that stage, and the rest when `release` is
 * called, so that the test can look at the dialog while it runs.
 */
async function setup(options: { finalized?: boolean; lang?: "ja" | "en"; holdAt?: ExportStage } = {}) {
  setLang(options.lang ?? "ja");
  core = await startCore({ lang: options.lang ?? "ja" });
  if (options.finalized) core.cli(["demo", "--finalized", "--out", join(core.dataDir, "demo.ismap")]);
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const real = core.client;
  const client: Client = options.holdAt
    ? {
        ...real,
        async export(request, onProgress) {
          const seen: ExportProgress[] = [];
          const exported = await real.export(request, (p) => seen.push(p));
          for (const p of seen) {
            onProgress?.(p);
            if (p.stage === options.holdAt) await released;
          }
          return exported;
        },
      }
    : real;
  const session = new Session(client);
  await session.start();
  await session.show(await client.openDemo({}));
  return { session, release };
}

async function openFrom(view: typeof DashboardView | typeof ReviewView, session: Session): Promise<HTMLElement> {
  renderInApp(view, session);
  await fireEvent.click(await screen.findByTestId("export-open"));
  const dialog = await screen.findByTestId("export-dialog");
  // The form is ready once the core's plan has given the report date.
  await waitFor(() => expect(input(dialog, "export-date").value).not.toBe(""));
  return dialog;
}

const input = (dialog: HTMLElement, testid: string) => within(dialog).getByTestId(testid) as HTMLInputElement;

/** Picks `p12` in the certificate dialog and types a passphrase, as the user does before exporting a signed report. */
async function signWith(dialog: HTMLElement, p12: string, passphrase: string): Promise<void> {
  await core!.choose([p12]);
  await fireEvent.click(within(dialog).getByTestId("export-certificate-pick"));
  const name = p12.slice(p12.lastIndexOf("/") + 1);
  await waitFor(() => expect(within(dialog).getByTestId("export-certificate-name").textContent?.trim()).toBe(name));
  await fireEvent.input(input(dialog, "export-passphrase"), { target: { value: passphrase } });
}

describe("export of an open engagement", () => {
  it("states that a draft is exported, offers no signing and no package, and exports an unsigned draft", async () => {
    const { session } = await setup();
    const dialog = await openFrom(DashboardView, session);
    const today = todayInJapan();

    expect(within(dialog).getByTestId("export-status").textContent).toBe("この監査業務は未確定のため、草案（透かし入り・署名なし）を出力します");
    expect(within(dialog).queryByTestId("export-sign")).toBeNull();
    expect(within(dialog).queryByTestId("export-passphrase")).toBeNull();
    expect(within(dialog).queryByTestId("export-certificate-pick")).toBeNull();
    expect(within(dialog).getByTestId("export-sign-unavailable").textContent).toBe("署名は、確定後の最終版にのみ付けられます。");
    expect(input(dialog, "export-kind-report").checked).toBe(true);
    expect(input(dialog, "export-kind-package").disabled).toBe(true);
    expect(within(dialog).getByTestId("export-package-note").textContent).toBe(
      "提出パッケージは確定済みの監査業務からのみ作成できます。レビュー画面で確定してから出力してください。",
    );
    expect((within(dialog).getByTestId("export-lang") as HTMLSelectElement).value).toBe("ja");
    expect(input(dialog, "export-date").value).toBe(today);
    // The save dialog will propose the core's name for the file.
    expect(within(dialog).getByTestId("export-destination-later").textContent).toContain(`実施結果報告書_サンプルクラウド_IaaS_${today}.pdf`);

    const path = out("draft.pdf");
    await core!.choose([path]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const done = await within(dialog).findByTestId("export-done", {}, { timeout: 20_000 });
    expect(done.dataset.path).toBe(path);
    expect(done.dataset.signed).toBe("false");
    expect(done.dataset.final).toBe("false");
    expect(Number(done.dataset.pages)).toBeGreaterThan(3);
    expect(done.textContent).toContain("報告書の草案を出力しました");
    expect(done.textContent).toContain(`${done.dataset.pages} ページ`);
    expect(readFileSync(path).subarray(0, 5).toString()).toBe("%PDF-");

    await fireEvent.click(within(done).getByTestId("export-show-folder"));
    await waitFor(async () => expect(await core!.opened()).toEqual([path]));
  });

  it("does nothing when the save dialog is cancelled, and closes with Escape while idle", async () => {
    const { session } = await setup();
    const dialog = await openFrom(DashboardView, session);
    // Nothing is chosen: the save dialog is cancelled.
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    await waitFor(() => expect(input(dialog, "export-submit").disabled).toBe(false));
    expect(within(dialog).queryByTestId("export-error")).toBeNull();
    expect(within(dialog).queryByTestId("export-done")).toBeNull();
    expect(readdirSync(core!.dataDir).filter((f) => f.endsWith(".pdf"))).toEqual([]);

    await fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("export-dialog")).toBeNull());
  });

  it("says at the destination when the file cannot be written there, with the system's words, and asks for another place next time", async () => {
    const { session } = await setup();
    const dialog = await openFrom(DashboardView, session);
    // A folder where the file should be: the system refuses to replace it.
    const taken = out("taken.pdf");
    mkdirSync(join(taken, "inside"), { recursive: true });
    await core!.choose([taken]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const error = await within(dialog).findByTestId("export-error", {}, { timeout: 20_000 });
    expect(error.dataset.field).toBe("destination");
    expect(error.textContent).toContain("この保存先には書き込めませんでした。別の保存先を選んでください。");
    expect(error.querySelector(".detail")?.textContent).toContain(taken);
    expect(within(dialog).queryByTestId("export-destination")).toBeNull();

    const path = out("report.pdf");
    await core!.choose([path]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const done = await within(dialog).findByTestId("export-done", {}, { timeout: 20_000 });
    expect(done.dataset.path).toBe(path);
  });

  it("asks for a real report date before anything else, and proposes an English file name for an English report", async () => {
    const { session } = await setup({ lang: "en" });
    const dialog = await openFrom(DashboardView, session);
    expect((within(dialog).getByTestId("export-lang") as HTMLSelectElement).value).toBe("en");
    expect(within(dialog).getByTestId("export-status").textContent).toBe("This engagement is not finalized, so a draft (watermarked, unsigned) is exported");

    const date = input(dialog, "export-date");
    await fireEvent.input(date, { target: { value: "" } });
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const problem = await within(dialog).findByTestId("export-error");
    expect(problem.dataset.field).toBe("report_date");
    expect(problem.textContent).toBe("Enter a valid report date.");
    expect(document.activeElement).toBe(date);

    await fireEvent.input(date, { target: { value: "2026-12-01" } });
    expect(within(dialog).queryByTestId("export-error")).toBeNull();
    await waitFor(() =>
      expect(within(dialog).getByTestId("export-destination-later").textContent).toContain("Assessment_report_サンプルクラウド_IaaS_2026-12-01.pdf"),
    );
    const path = out("english.pdf");
    await core!.choose([path]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    expect((await within(dialog).findByTestId("export-done", {}, { timeout: 20_000 })).dataset.path).toBe(path);
  });
});

describe("export of a finalized engagement", { timeout: 60_000 }, () => {
  it("says the final report is exported, refuses a wrong passphrase at its field, then signs with the right one", async () => {
    const { session } = await setup({ finalized: true });
    const { p12 } = certificates(join(core!.dataDir, "pki"));
    const dialog = await openFrom(ReviewView, session);
    expect(within(dialog).getByTestId("export-status").textContent).toBe("確定済み: 最終版を出力します");
    expect(input(dialog, "export-kind-package").disabled).toBe(false);
    expect(input(dialog, "export-sign").checked).toBe(true);
    expect(within(dialog).getByTestId("export-certificate-name").textContent?.trim()).toBe("未選択");
    expect(input(dialog, "export-passphrase").type).toBe("password");

    // Signing without a certificate is stopped before the save dialog: the
    // destination the user would have chosen there is still waiting.
    const path = out("final.pdf");
    await core!.choose([path]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const missing = await within(dialog).findByTestId("export-error");
    expect(missing.dataset.field).toBe("certificate");
    expect(missing.textContent).toContain("証明書ファイルを選んでください。");
    expect((await core!.client.pickExportDestination({ kind: "report", file_name: "x.pdf" }))?.location).toBe(path);

    await signWith(dialog, p12, "wrong-pass");
    expect(within(dialog).queryByTestId("export-error")).toBeNull();
    await core!.choose([path]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const wrong = await within(dialog).findByTestId("export-error", {}, { timeout: 20_000 });
    expect(wrong.dataset.field).toBe("passphrase");
    expect(wrong.textContent).toBe("パスフレーズが違うか、PKCS#12 形式のファイルではありません。");
    // The problem sits right after the passphrase field, which has the focus and is emptied.
    const passphrase = input(dialog, "export-passphrase");
    expect(passphrase.nextElementSibling).toBe(wrong);
    expect(passphrase.getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(passphrase);
    expect(passphrase.value).toBe("");
    expect(within(dialog).queryByTestId("export-done")).toBeNull();
    expect(existsSync(path)).toBe(false);

    // Enter in the passphrase field exports again, to the destination already chosen (nothing is queued for the dialog now).
    await fireEvent.input(passphrase, { target: { value: PASSPHRASE } });
    await fireEvent.keyDown(passphrase, { key: "Enter" });
    const done = await within(dialog).findByTestId("export-done", {}, { timeout: 20_000 });
    expect(done.dataset.path).toBe(path);
    expect(done.dataset.signed).toBe("true");
    expect(done.dataset.final).toBe("true");
    expect(done.textContent).toContain("最終版の報告書を出力しました");
    expect(done.textContent).toContain("あり");
    expect(readFileSync(path).includes("/ByteRange")).toBe(true);

    await fireEvent.click(within(done).getByTestId("export-open-pdf"));
    await waitFor(async () => expect(await core!.opened()).toEqual([path]));

    // The passphrase is gone from the form for the next export; the certificate stays chosen.
    await fireEvent.click(within(done).getByTestId("export-again"));
    expect(input(dialog, "export-passphrase").value).toBe("");
    expect(within(dialog).getByTestId("export-certificate-name").textContent?.trim()).toBe("firm.p12");
  });

  it("exports an unsigned final report when signing is unticked, without asking for a certificate", async () => {
    const { session } = await setup({ finalized: true });
    const dialog = await openFrom(DashboardView, session);
    await fireEvent.click(input(dialog, "export-sign"));
    expect(input(dialog, "export-sign").checked).toBe(false);
    expect(input(dialog, "export-passphrase").disabled).toBe(true);
    expect(input(dialog, "export-certificate-pick").disabled).toBe(true);
    await core!.choose([out("unsigned.pdf")]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const done = await within(dialog).findByTestId("export-done", {}, { timeout: 20_000 });
    expect(done.dataset.signed).toBe("false");
    expect(done.dataset.final).toBe("true");
    expect(done.textContent).toContain("なし");
  });

  it("shows each stage of a signed export while it runs, and cannot be closed meanwhile", async () => {
    const { session, release } = await setup({ finalized: true, holdAt: "sign" });
    const { p12 } = certificates(join(core!.dataDir, "pki"));
    const dialog = await openFrom(ReviewView, session);
    await signWith(dialog, p12, PASSPHRASE);
    await core!.choose([out("signed.pdf")]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const progress = await within(dialog).findByTestId("export-progress");
    await waitFor(() => expect(progress.dataset.stage).toBe("sign"), { timeout: 20_000 });
    expect(within(dialog).getByTestId("export-progress-text").textContent).toContain("電子署名しています…");
    expect(within(dialog).getByTestId("export-progress-text").textContent).toContain("3 / 4 段階");
    expect((progress as HTMLProgressElement).value).toBe(3);
    expect((progress as HTMLProgressElement).max).toBe(4);
    const stages = [...dialog.querySelectorAll<HTMLElement>(".stages li")];
    expect(stages.map((s) => s.textContent)).toEqual(["読み込み", "レイアウト", "署名", "書き込み"]);
    expect(stages.map((s) => s.className.includes("current"))).toEqual([false, false, true, false]);
    expect(stages.map((s) => s.className.includes("past"))).toEqual([true, true, false, false]);
    expect(input(dialog, "export-submit").disabled).toBe(true);

    await fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.getByTestId("export-dialog")).toBeTruthy();

    release();
    const done = await within(dialog).findByTestId("export-done");
    expect(done.dataset.signed).toBe("true");
    expect(within(dialog).queryByTestId("export-progress")).toBeNull();
  });

  it("exports the signed submission package, always signed, with the package stage", async () => {
    const { session, release } = await setup({ finalized: true, holdAt: "package" });
    const { p12 } = certificates(join(core!.dataDir, "pki"));
    const dialog = await openFrom(DashboardView, session);
    await fireEvent.click(input(dialog, "export-kind-package"));
    expect(input(dialog, "export-sign").checked).toBe(true);
    expect(input(dialog, "export-sign").disabled).toBe(true);
    expect(dialog.textContent).toContain("提出パッケージには必ず署名します。");
    await waitFor(() =>
      expect(within(dialog).getByTestId("export-destination-later").textContent).toContain(`提出パッケージ_サンプルクラウド_IaaS_${todayInJapan()}.zip`),
    );
    await signWith(dialog, p12, PASSPHRASE);
    const path = out("package.zip");
    await core!.choose([path]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const progress = await within(dialog).findByTestId("export-progress");
    await waitFor(() => expect(progress.dataset.stage).toBe("package"), { timeout: 20_000 });
    expect(within(dialog).getByTestId("export-progress-text").textContent).toContain("4 / 5 段階");
    release();
    const done = await within(dialog).findByTestId("export-done");
    expect(done.dataset.path).toBe(path);
    expect(done.dataset.signed).toBe("true");
    expect(done.textContent).toContain("提出パッケージを出力しました");
    expect(readFileSync(path).subarray(0, 2).toString()).toBe("PK");
    expect(within(done).queryByTestId("export-open-pdf")).toBeNull();
    await fireEvent.click(within(done).getByTestId("export-show-folder"));
    await waitFor(async () => expect(await core!.opened()).toEqual([path]));
  });

  it("names the certificate's defect at the certificate, and a certificate that cannot be read", async () => {
    const { session } = await setup({ finalized: true });
    const { p12, keyless } = certificates(join(core!.dataDir, "pki"));
    const dialog = await openFrom(DashboardView, session);
    await signWith(dialog, keyless, PASSPHRASE);
    await core!.choose([out("r.pdf")]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const error = await within(dialog).findByTestId("export-error", {}, { timeout: 20_000 });
    expect(error.dataset.field).toBe("certificate");
    expect(error.textContent).toContain("この証明書ファイルでは署名できません。");
    expect(error.textContent).toContain("the PKCS#12 file holds no private key");

    // The file chosen is gone by the time of the export.
    await signWith(dialog, p12, PASSPHRASE);
    rmSync(p12);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    await waitFor(() => expect(within(dialog).getByTestId("export-error").textContent).toContain("証明書ファイルを読み込めませんでした。"), { timeout: 20_000 });
    expect(within(dialog).getByTestId("export-error").dataset.field).toBe("certificate");
    expect(within(dialog).getByTestId("export-error").textContent).toContain(p12);
  });

  it("turns to a draft, saying why, when the engagement was reopened behind the dialog's back", async () => {
    const { session } = await setup({ finalized: true });
    const { p12 } = certificates(join(core!.dataDir, "pki"));
    const dialog = await openFrom(ReviewView, session);
    await signWith(dialog, p12, PASSPHRASE);
    // The manager reopens it on another computer.
    core!.cli(["reopen", join(core!.dataDir, "demo.ismap"), "--reason", "追加の手続が必要になったため"]);

    const path = out("late.pdf");
    await core!.choose([path]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const error = await within(dialog).findByTestId("export-error", {}, { timeout: 20_000 });
    expect(error.dataset.field).toBe("");
    expect(error.textContent).toContain("この監査業務は確定されていないため、署名した報告書や提出パッケージは出力できません。");
    expect(error.textContent).toContain("ファイルは書き込まれていません。");
    await waitFor(() => expect(within(dialog).getByTestId("export-status").dataset.final).toBe("false"));
    expect(within(dialog).queryByTestId("export-sign")).toBeNull();
    expect(session.engagement?.view.finalized).toBe(null);
    expect(existsSync(path)).toBe(false);

    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const done = await within(dialog).findByTestId("export-done", {}, { timeout: 20_000 });
    expect(done.dataset.path).toBe(path);
    expect(done.dataset.final).toBe("false");
    expect(done.dataset.signed).toBe("false");
  });
});

// A folder that cannot be written (here: gone) fails before the file itself
// is touched; the core still names the destination as what failed.
describe("a destination in a folder that is gone", () => {
  it("is refused at the destination, and chosen again next time", async () => {
    const { session } = await setup();
    const dialog = await openFrom(DashboardView, session);
    await core!.choose([join(core!.dataDir, "gone", "r.pdf")]);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const error = await within(dialog).findByTestId("export-error", {}, { timeout: 20_000 });
    expect(error.dataset.field).toBe("destination");
    expect(within(dialog).queryByTestId("export-destination")).toBeNull();
  });
});
