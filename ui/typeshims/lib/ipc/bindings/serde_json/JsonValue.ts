// A stand-in for the ts-rs file `ui/src/lib/ipc/bindings/serde_json/JsonValue.ts`,
// which FieldChange.ts imports but the bindings export in
// src-tauri/core/src/bindings.rs does not copy (it copies only the top-level
// files of the generated folder). tsconfig's `rootDirs` makes the import
// resolve here. Delete this folder (and `rootDirs`) once the export copies
// `serde_json/JsonValue.ts` into the bindings.
export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]?: JsonValue } | null;
