// Files and evidence for the tests, through the real core: files are written
// to the core's data folder, "chosen" in the picker as the user would choose
// them, and taken in with the description a test gives.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Core } from "../../../test/core";
import type { Session } from "../../session.svelte";
import type { Evidence } from "../../ipc/bindings/Evidence";
import type { EvidenceLink } from "../../ipc/bindings/EvidenceLink";
import type { EvidenceMeta } from "../../ipc/bindings/EvidenceMeta";
import type { PickedFile } from "../../ipc/bindings/PickedFile";

/** Writes `content` as `name` in a folder of the core's data folder and returns its path. */
export function writeFile(core: Core, name: string, content: string | Uint8Array): string {
  const dir = join(core.dataDir, "in");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The files at `paths` as the evidence picker gives them: handles with the form's defaults. */
export async function pick(core: Core, paths: string[]): Promise<PickedFile[]> {
  await core.choose(paths);
  return core.client.pickEvidenceFiles({});
}

export interface NewItem {
  name: string;
  content: string | Uint8Array;
  meta?: Partial<EvidenceMeta>;
}

/** Takes `items` in on the session's engagement, in one intake, linked to `links`. */
export async function takeIn(core: Core, session: Session, items: NewItem[], links: EvidenceLink[] = []): Promise<Evidence[]> {
  const picked = await pick(core, items.map((i) => writeFile(core, i.name, i.content)));
  const files = picked.map((p, i) => ({
    file: p.file,
    meta: { title: p.title, description: "", kind: p.kind, obtained_from: "", obtained_by: "", obtained_at: null, as_of: "2026-04-30" as const, ...items[i].meta },
  }));
  return session.engagement!.client.addEvidence({ files, links });
}
