// The catalogs, merged from their areas' files, and checked against the
// closed sets the core sends: a value without a message in either language
// fails `svelte-check` (npm run check) here, naming the missing key.
import type { ErrorKind } from "../ipc/bindings/ErrorKind";
import type { EventKind } from "../ipc/bindings/EventKind";
import type { ExportStage } from "../ipc/bindings/ExportStage";
import type { Lang } from "../ipc/bindings/Lang";
import type { ProblemCode } from "../ipc/bindings/ProblemCode";
import type { WarningCode } from "../ipc/bindings/WarningCode";
import jaCommon from "./ja/common.json";
import jaWalkthrough from "./ja/walkthrough.json";
import jaEvidence from "./ja/evidence.json";
import jaSampling from "./ja/sampling.json";
import jaReview from "./ja/review.json";
import enCommon from "./en/common.json";
import enWalkthrough from "./en/walkthrough.json";
import enEvidence from "./en/evidence.json";
import enSampling from "./en/sampling.json";
import enReview from "./en/review.json";

/** A message for each value of `Values`, under `Prefix.value`. */
type MessagesFor<Prefix extends string, Values extends string> = { [V in Values as `${Prefix}.${V}`]: string };

/** What every catalog must hold: a message for each value the core may send. */
export type ClosedSetMessages = MessagesFor<"error", ErrorKind> &
  MessagesFor<"problem", ProblemCode> &
  MessagesFor<"event", EventKind> &
  MessagesFor<"warning", WarningCode> &
  MessagesFor<"export.stage", ExportStage> &
  MessagesFor<"lang", Lang>;

const jaAll = { ...jaCommon, ...jaWalkthrough, ...jaEvidence, ...jaSampling, ...jaReview };
const enAll = { ...enCommon, ...enWalkthrough, ...enEvidence, ...enSampling, ...enReview };

export const ja: ClosedSetMessages & Record<string, string> = jaAll;
export const en: ClosedSetMessages & Record<string, string> = enAll;

/** A key of the catalogs. */
export type MessageKey = keyof typeof jaAll;
