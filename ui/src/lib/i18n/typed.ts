// The catalogs, merged from their areas' files, and checked against the
// closed sets the core sends: a value without a message in either language
// fails `svelte-check` (npm run check) here, naming the missing key.
import type { ErrorKind } from "../ipc/bindings/ErrorKind";
import type { EventKind } from "../ipc/bindings/EventKind";
import type { ExportStage } from "../ipc/bindings/ExportStage";
import type { Lang } from "../ipc/bindings/Lang";
import type { ProblemCode } from "../ipc/bindings/ProblemCode";
import type { WarningCode } from "../ipc/bindings/WarningCode";
import type { AssessmentTarget } from "../ipc/bindings/AssessmentTarget";
import type { Answer } from "../ipc/bindings/Answer";
import type { AuditKind } from "../ipc/bindings/AuditKind";
import type { CellResult } from "../ipc/bindings/CellResult";
import type { Evaluation } from "../ipc/bindings/Evaluation";
import type { EvidenceKind } from "../ipc/bindings/EvidenceKind";
import type { Frequency } from "../ipc/bindings/Frequency";
import type { ItemOrigin } from "../ipc/bindings/ItemOrigin";
import type { LinkKind } from "../ipc/bindings/LinkKind";
import type { NoteStatus } from "../ipc/bindings/NoteStatus";
import type { NoteTargetKind } from "../ipc/bindings/NoteTargetKind";
import type { PbcStatus } from "../ipc/bindings/PbcStatus";
import type { ProcedureKind } from "../ipc/bindings/ProcedureKind";
import type { Program } from "../ipc/bindings/Program";
import type { ResultKind } from "../ipc/bindings/ResultKind";
import type { Role } from "../ipc/bindings/Role";
import type { ScopeDecision } from "../ipc/bindings/ScopeDecision";
import type { SelectionMethod } from "../ipc/bindings/SelectionMethod";
import type { SignableKind } from "../ipc/bindings/SignableKind";
import type { SignOffLevel } from "../ipc/bindings/SignOffLevel";
import type { Status } from "../ipc/bindings/Status";
import jaCommon from "./ja/common.json";
import jaWalkthrough from "./ja/walkthrough.json";
import jaEvidence from "./ja/evidence.json";
import jaSampling from "./ja/sampling.json";
import jaReview from "./ja/review.json";
import jaClosing from "./ja/closing.json";
import jaTeam from "./ja/team.json";
import jaQueue from "./ja/queue.json";
import jaWorkday from "./ja/workday.json";
import jaSaving from "./ja/saving.json";
import enCommon from "./en/common.json";
import enWalkthrough from "./en/walkthrough.json";
import enEvidence from "./en/evidence.json";
import enSampling from "./en/sampling.json";
import enReview from "./en/review.json";
import enClosing from "./en/closing.json";
import enTeam from "./en/team.json";
import enQueue from "./en/queue.json";
import enWorkday from "./en/workday.json";
import enSaving from "./en/saving.json";

/** A message for each value of `Values`, under `Prefix.value`. */
type MessagesFor<Prefix extends string, Values extends string> = { [V in Values as `${Prefix}.${V}`]: string };

/** What every catalog must hold: a message for each value the core may send. */
export type ClosedSetMessages = MessagesFor<"error", ErrorKind> &
  MessagesFor<"problem", ProblemCode> &
  MessagesFor<"event", EventKind> &
  MessagesFor<"warning", WarningCode> &
  MessagesFor<"export.stage", ExportStage> &
  MessagesFor<"lang", Lang> &
  MessagesFor<"status", Status> &
  MessagesFor<"result", ResultKind> &
  MessagesFor<"result_short", ResultKind> &
  MessagesFor<"kind", ProcedureKind> &
  MessagesFor<"evaluation", Evaluation> &
  MessagesFor<"scope", ScopeDecision> &
  MessagesFor<"program", Program> &
  MessagesFor<"audit_kind", AuditKind> &
  MessagesFor<"role", Role> &
  MessagesFor<"evidence_kind", EvidenceKind> &
  MessagesFor<"link_kind", LinkKind> &
  MessagesFor<"frequency", Frequency> &
  MessagesFor<"origin", ItemOrigin> &
  MessagesFor<"cell_result", CellResult> &
  MessagesFor<"pbc_status", PbcStatus> &
  MessagesFor<"review.level", SignOffLevel> &
  MessagesFor<"review.sign", SignOffLevel> &
  MessagesFor<"review.kind", SignableKind> &
  MessagesFor<"review.target", NoteTargetKind> &
  MessagesFor<"note_status", NoteStatus> &
  MessagesFor<"sampling.method", SelectionMethod> &
  MessagesFor<"closing.answer", Answer> &
  MessagesFor<"target", AssessmentTarget>;

const jaAll = { ...jaCommon, ...jaWalkthrough, ...jaEvidence, ...jaSampling, ...jaReview, ...jaClosing, ...jaTeam, ...jaQueue, ...jaWorkday, ...jaSaving };
const enAll = { ...enCommon, ...enWalkthrough, ...enEvidence, ...enSampling, ...enReview, ...enClosing, ...enTeam, ...enQueue, ...enWorkday, ...enSaving };

export const ja: ClosedSetMessages & Record<string, string> = jaAll;
export const en: ClosedSetMessages & Record<string, string> = enAll;

/** A key of the catalogs. */
export type MessageKey = keyof typeof jaAll;
