import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import DashboardView from "../dashboard/DashboardView.svelte";
import ReviewView from "../review/ReviewView.svelte";
import { Session } from "../../session.svelte";
import { CERTIFICATE_PASSPHRASE, DEMO_PATH, KEYLESS_CERTIFICATE_PATH, READ_ONLY_DIR, createFakeBackend, recordSampleReview } from "../ipc/fake";
import type { Profile } from "../ipc/bindings/Profile";
import { setLang } from "../../i18n/index.svelte";

const profileOf = (name: string, role: Profile["role"] = "assessor"): Profile => ({ name, lang: "ja", recent: [], initials: "", role });

/** Today as the user's calendar shows it, written out here rather than taken from the code under test. */
function today(): string {
  const d = new Date();
  return [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n, i) => (i === 0 ? String(n) : String(n).padStart(2, "0"))).join("-");
}

/** The demo (open, or finalized by its manager), opened as the assessor. */
async function setup(options: { finalized?: boolean; lang?: "ja" | "en" } = {}) {
  setLang(options.lang ?? "ja");
  const backend = createFakeBackend();
  await backend.openDemo();
  if (options.finalized) await recordSampleReview(backend, DEMO_PATH, { finalize: true });
  await backend.saveProfile({ ...profileOf("佐藤 花子"), lang: options.lang ?? "ja" });
  const session = new Session(backend);
  await session.start();
  await session.show(await backend.openEngagement(DEMO_PATH));
  return { backend, session };
}

async function openFromDashboard(session: Session): Promise<HTMLElement> {
  render(DashboardView, { session });
  await fireEvent.click(await screen.findByTestId("export-open"));
  return screen.findByTestId("export-dialog");
}

async function openFromReview(session: Session): Promise<HTMLElement> {
  render(ReviewView, { session });
  await fireEvent.click(await screen.findByTestId("export-open"));
  return screen.findByTestId("export-dialog");
}

const input = (dialog: HTMLElement, testid: string) => within(dialog).getByTestId(testid) as HTMLInputElement;

/** Picks the fake's certificate and types a passphrase, as the user does before exporting a signed report. */
async function signWith(dialog: HTMLElement, passphrase: string): Promise<void> {
  await fireEvent.click(within(dialog).getByTestId("export-certificate-pick"));
  await waitFor(() => expect(within(dialog).getByTestId("export-certificate-name").textContent?.trim()).toBe("firm.p12"));
  await fireEvent.input(input(dialog, "export-passphrase"), { target: { value: passphrase } });
}

describe("export of an open engagement", () => {
  it("states that a draft is exported, offers no signing and no package, and exports an unsigned draft", async () => {
    const { backend, session } = await setup();
    const dialog = await openFromDashboard(session);

    expect(within(dialog).getByTestId("export-status").textContent).toBe("このエンゲージメントは未確定のため、草案（透かし入り・署名なし）を出力します");
    expect(within(dialog).queryByTestId("export-sign")).toBeNull();
    expect(within(dialog).queryByTestId("export-passphrase")).toBeNull();
    expect(within(dialog).queryByTestId("export-certificate-pick")).toBeNull();
    expect(within(dialog).getByTestId("export-sign-unavailable").textContent).toBe("署名は、確定後の最終版にのみ付けられます。");
    expect(input(dialog, "export-kind-report").checked).toBe(true);
    expect(input(dialog, "export-kind-package").disabled).toBe(true);
    expect(within(dialog).getByTestId("export-package-note").textContent).toBe(
      "提出パッケージは確定済みのエンゲージメントからのみ作成できます。レビュー画面で確定してから出力してください。",
    );
    expect((within(dialog).getByTestId("export-lang") as HTMLSelectElement).value).toBe("ja");
    expect(input(dialog, "export-date").value).toBe(today());

    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const done = await within(dialog).findByTestId("export-done");
    const expectedName = `実施結果報告書_サンプルクラウド_IaaS_${today()}.pdf`;
    expect(backend.askedDestinations).toEqual([{ kind: "pdf", suggestedName: expectedName }]);
    expect(done.dataset.path).toBe(`/fake/exports/${expectedName}`);
    expect(done.dataset.signed).toBe("false");
    expect(done.dataset.final).toBe("false");
    expect(Number(done.dataset.pages)).toBeGreaterThan(3);
    expect(done.textContent).toContain("報告書の草案を出力しました");
    expect(done.textContent).toContain(`${done.dataset.pages} ページ`);
    expect(backend.files.has(done.dataset.path!)).toBe(true);

    await fireEvent.click(within(done).getByTestId("export-show-folder"));
    await waitFor(() => expect(backend.shownInFolder).toEqual([done.dataset.path]));
  });

  it("does nothing when the save dialog is cancelled, and closes with Escape while idle", async () => {
    const { backend, session } = await setup();
    backend.exportFolder = null;
    const dialog = await openFromDashboard(session);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    await waitFor(() => expect(backend.askedDestinations.length).toBe(1));
    await waitFor(() => expect(input(dialog, "export-submit").disabled).toBe(false));
    expect(within(dialog).queryByTestId("export-error")).toBeNull();
    expect(within(dialog).queryByTestId("export-done")).toBeNull();
    expect([...backend.files.keys()].some((p) => p.endsWith(".pdf") && p.startsWith("/fake/exports"))).toBe(false);

    await fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("export-dialog")).toBeNull());
  });

  it("says at the destination when the file cannot be written there, and asks for another place next time", async () => {
    const { backend, session } = await setup();
    backend.exportFolder = READ_ONLY_DIR;
    const dialog = await openFromDashboard(session);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const error = await within(dialog).findByTestId("export-error");
    expect(error.dataset.field).toBe("destination");
    expect(error.textContent).toContain("この保存先には書き込めませんでした。別の保存先を選んでください。");
    backend.exportFolder = "/fake/exports";
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const done = await within(dialog).findByTestId("export-done");
    expect(done.dataset.path?.startsWith("/fake/exports/")).toBe(true);
    expect(backend.askedDestinations.length).toBe(2);
  });

  it("suggests an English file name for an English report, the UI's language by default", async () => {
    const { backend, session } = await setup({ lang: "en" });
    const dialog = await openFromDashboard(session);
    expect((within(dialog).getByTestId("export-lang") as HTMLSelectElement).value).toBe("en");
    expect(within(dialog).getByTestId("export-status").textContent).toBe("This engagement is not finalized, so a draft (watermarked, unsigned) is exported");
    await fireEvent.input(input(dialog, "export-date"), { target: { value: "2026-12-01" } });
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    await within(dialog).findByTestId("export-done");
    expect(backend.askedDestinations[0].suggestedName).toBe("Assessment_report_サンプルクラウド_IaaS_2026-12-01.pdf");
    setLang("ja");
  });
});

describe("export of a finalized engagement", () => {
  it("says the final report is exported, refuses a wrong passphrase at its field, then signs with the right one", async () => {
    const { backend, session } = await setup({ finalized: true });
    const dialog = await openFromReview(session);
    expect(within(dialog).getByTestId("export-status").textContent).toBe("確定済み: 最終版を出力します");
    expect(input(dialog, "export-kind-package").disabled).toBe(false);
    expect(input(dialog, "export-sign").checked).toBe(true);
    expect(within(dialog).getByTestId("export-certificate-name").textContent?.trim()).toBe("未選択");
    expect(input(dialog, "export-passphrase").type).toBe("password");

    // Signing without a certificate is stopped before the save dialog.
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const missing = await within(dialog).findByTestId("export-error");
    expect(missing.dataset.field).toBe("certificate");
    expect(missing.textContent).toContain("証明書ファイルを選んでください。");
    expect(backend.askedDestinations).toEqual([]);

    await signWith(dialog, "wrong-pass");
    expect(within(dialog).queryByTestId("export-error")).toBeNull();
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const wrong = await within(dialog).findByTestId("export-error");
    expect(wrong.dataset.field).toBe("passphrase");
    expect(wrong.textContent).toBe("パスフレーズが違うか、PKCS#12 形式のファイルではありません。");
    // The problem sits right after the passphrase field, which has the focus and is emptied.
    const passphrase = input(dialog, "export-passphrase");
    expect(passphrase.nextElementSibling).toBe(wrong);
    expect(passphrase.getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(passphrase);
    expect(passphrase.value).toBe("");
    expect(within(dialog).queryByTestId("export-done")).toBeNull();

    // Enter in the passphrase field exports again, to the destination already chosen.
    await fireEvent.input(passphrase, { target: { value: CERTIFICATE_PASSPHRASE } });
    await fireEvent.keyDown(passphrase, { key: "Enter" });
    const done = await within(dialog).findByTestId("export-done");
    expect(backend.askedDestinations.length).toBe(1);
    expect(done.dataset.signed).toBe("true");
    expect(done.dataset.final).toBe("true");
    expect(done.textContent).toContain("最終版の報告書を出力しました");
    expect(done.textContent).toContain("あり");
    expect(backend.files.has(done.dataset.path!)).toBe(true);

    await fireEvent.click(within(done).getByTestId("export-open-pdf"));
    await waitFor(() => expect(backend.openedPaths).toEqual([done.dataset.path]));

    // The passphrase is gone from the form for the next export.
    await fireEvent.click(within(done).getByTestId("export-again"));
    expect(input(dialog, "export-passphrase").value).toBe("");
    expect(within(dialog).getByTestId("export-certificate-name").textContent?.trim()).toBe("firm.p12");
  });

  it("exports an unsigned final report when signing is unticked, without asking for a certificate", async () => {
    const { session } = await setup({ finalized: true });
    const dialog = await openFromDashboard(session);
    await fireEvent.click(input(dialog, "export-sign"));
    expect(input(dialog, "export-sign").checked).toBe(false);
    expect(input(dialog, "export-passphrase").disabled).toBe(true);
    expect(input(dialog, "export-certificate-pick").disabled).toBe(true);
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const done = await within(dialog).findByTestId("export-done");
    expect(done.dataset.signed).toBe("false");
    expect(done.dataset.final).toBe("true");
    expect(done.textContent).toContain("なし");
  });

  it("shows each stage of a signed export while it runs, and cannot be closed meanwhile", async () => {
    const { backend, session } = await setup({ finalized: true });
    const dialog = await openFromReview(session);
    await signWith(dialog, CERTIFICATE_PASSPHRASE);
    const release = backend.holdExport("sign");
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const progress = await within(dialog).findByTestId("export-progress");
    await waitFor(() => expect(progress.dataset.stage).toBe("sign"));
    expect(within(dialog).getByTestId("export-progress-text").textContent).toContain("電子署名しています…");
    expect(within(dialog).getByTestId("export-progress-text").textContent).toContain("3 / 4 段階");
    expect((progress as HTMLProgressElement).value).toBe(3);
    expect((progress as HTMLProgressElement).max).toBe(4);
    const stages = [...dialog.querySelectorAll<HTMLElement>(".stages li")];
    expect(stages.map((s) => s.textContent)).toEqual(["読み込み", "レイアウト", "署名", "書き込み"]);
    expect(stages.map((s) => s.className.includes("current"))).toEqual([false, false, true, false]);
    expect(input(dialog, "export-submit").disabled).toBe(true);

    await fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.getByTestId("export-dialog")).toBeTruthy();

    release();
    const done = await within(dialog).findByTestId("export-done");
    expect(done.dataset.signed).toBe("true");
    expect(within(dialog).queryByTestId("export-progress")).toBeNull();
  });

  it("exports the signed submission package, always signed, with the package stage", async () => {
    const { backend, session } = await setup({ finalized: true });
    const dialog = await openFromDashboard(session);
    await fireEvent.click(input(dialog, "export-kind-package"));
    expect(input(dialog, "export-sign").checked).toBe(true);
    expect(input(dialog, "export-sign").disabled).toBe(true);
    expect(dialog.textContent).toContain("提出パッケージには必ず署名します。");
    await signWith(dialog, CERTIFICATE_PASSPHRASE);
    const release = backend.holdExport("package");
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const progress = await within(dialog).findByTestId("export-progress");
    await waitFor(() => expect(progress.dataset.stage).toBe("package"));
    expect(within(dialog).getByTestId("export-progress-text").textContent).toContain("4 / 5 段階");
    release();
    const done = await within(dialog).findByTestId("export-done");
    expect(backend.askedDestinations).toEqual([{ kind: "zip", suggestedName: `提出パッケージ_サンプルクラウド_IaaS_${today()}.zip` }]);
    expect(done.dataset.path?.endsWith(".zip")).toBe(true);
    expect(done.dataset.signed).toBe("true");
    expect(done.textContent).toContain("提出パッケージを出力しました");
    expect(within(done).queryByTestId("export-open-pdf")).toBeNull();
    await fireEvent.click(within(done).getByTestId("export-show-folder"));
    await waitFor(() => expect(backend.shownInFolder).toEqual([done.dataset.path]));
  });

  it("names the certificate's defect at the certificate", async () => {
    const { backend, session } = await setup({ finalized: true });
    backend.pickedCertificate = KEYLESS_CERTIFICATE_PATH;
    const dialog = await openFromDashboard(session);
    await fireEvent.click(within(dialog).getByTestId("export-certificate-pick"));
    await waitFor(() => expect(within(dialog).getByTestId("export-certificate-name").textContent?.trim()).toBe("no-key.p12"));
    await fireEvent.input(input(dialog, "export-passphrase"), { target: { value: CERTIFICATE_PASSPHRASE } });
    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const error = await within(dialog).findByTestId("export-error");
    expect(error.dataset.field).toBe("certificate");
    expect(error.textContent).toContain("この証明書ファイルでは署名できません。");
    expect(error.textContent).toContain("the PKCS#12 file holds no private key");
  });

  it("turns to a draft, saying why, when the engagement was reopened behind the dialog's back", async () => {
    const { backend, session } = await setup({ finalized: true });
    const dialog = await openFromReview(session);
    await signWith(dialog, CERTIFICATE_PASSPHRASE);
    // The manager reopens it on another computer.
    await backend.saveProfile(profileOf("山田 太郎", "manager"));
    await backend.reopen(DEMO_PATH, "追加の手続が必要になったため");
    await backend.saveProfile(profileOf("佐藤 花子"));

    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const error = await within(dialog).findByTestId("export-error");
    expect(error.dataset.field).toBe("");
    expect(error.textContent).toContain("このエンゲージメントは確定されていないため、署名した報告書や提出パッケージは出力できません。");
    await waitFor(() => expect(within(dialog).getByTestId("export-status").dataset.final).toBe("false"));
    expect(within(dialog).queryByTestId("export-sign")).toBeNull();
    expect(session.engagement?.finalized).toBe(null);

    await fireEvent.click(within(dialog).getByTestId("export-submit"));
    const done = await within(dialog).findByTestId("export-done");
    expect(done.dataset.final).toBe("false");
    expect(done.dataset.signed).toBe("false");
  });
});
