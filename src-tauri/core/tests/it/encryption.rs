//! Encryption at rest: an encrypted engagement file reveals none of what it
//! holds, opens everywhere with the right passphrase, and refuses a wrong
//! one, none, and damage, clearly and with the file unchanged; encrypting,
//! decrypting and rekeying put a verified file in place or leave the old
//! one as it was.

use std::path::{Path, PathBuf};

use workbench_core::api::cipher as crypt;
use workbench_core::api::{self, CopyScope, IntakeFile};
use workbench_core::error::ErrorKind;
use workbench_core::model::evidence::{EvidenceKind, EvidenceLink, EvidenceMeta, LinkKind};
use workbench_core::model::procedure::ProcedurePatch;

use crate::support::Fixture;

const PASSPHRASE: &str = "みなと監査 2026 春";
const EVIDENCE_TEXT: &str = "コアスイッチ構成図 CONFIDENTIAL-NETWORK-DIAGRAM 10.20.30.0/24";
const EXCEPTION_TEXT: &str = "退職者3名のうち1名のIDが、退職日から14日間有効なままであった。";
const WORK_TEXT: &str = "特権IDの棚卸記録を閲覧し、承認者の押印を確認した";

fn meta() -> EvidenceMeta {
    EvidenceMeta {
        title: "ネットワーク構成図".into(),
        description: String::new(),
        kind: EvidenceKind::Document,
        obtained_from: "情報システム部 山田".into(),
        obtained_by: "佐藤 花子".into(),
        obtained_at: Some("2026-04-10".parse().unwrap()),
        as_of: "2026-03-31".parse().unwrap(),
    }
}

/// The demo, encrypted from its creation, with an evidence file and a
/// worked procedure whose texts are known.
fn encrypted_demo(fx: &Fixture) -> PathBuf {
    let path = fx.path("secret.ismap");
    crypt::remember_passphrase(&path, PASSPHRASE.to_string().into());
    api::create_demo(&path, "u-enc".into(), fx.ctx()).unwrap();
    let source = fx.write("diagram.txt", EVIDENCE_TEXT.repeat(50));
    let link = EvidenceLink { kind: LinkKind::Procedure, id: "9.2.1.2/P1".into() };
    api::add_evidence(&path, &[IntakeFile { path: source, meta: meta() }], &[link], fx.ctx(), &mut |_| true).unwrap();
    let patch = ProcedurePatch { work_done: Some(WORK_TEXT.into()), ..ProcedurePatch::default() };
    api::update_procedure(&path, "6.1.2.1/P1", patch, fx.ctx()).unwrap();
    api::add_exception(&path, "9.2.1.2/P1", EXCEPTION_TEXT, fx.ctx()).unwrap();
    path
}

fn work_done(path: &Path, id: &str) -> String {
    api::list_procedures(path).unwrap().into_iter().find(|p| p.procedure.id == id).unwrap().procedure.work_done
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn kind_of<T: std::fmt::Debug>(result: workbench_core::error::Result<T>) -> ErrorKind {
    result.unwrap_err().kind()
}

fn assert_opens(path: &Path) {
    let view = api::show_engagement(path).unwrap();
    assert!(view.encrypted);
    assert!(api::verify_log(path, None).unwrap().is_intact());
    assert_eq!(work_done(path, "6.1.2.1/P1"), WORK_TEXT);
}

#[test]
fn an_encrypted_file_reveals_none_of_its_contents() {
    let fx = Fixture::new();
    let path = encrypted_demo(&fx);
    let bytes = std::fs::read(&path).unwrap();
    // The texts are in the file (the checks below would pass on an empty one otherwise).
    assert_opens(&path);
    for secret in [
        "SQLite format 3",
        "株式会社サンプルクラウド",
        EXCEPTION_TEXT,
        EVIDENCE_TEXT,
        WORK_TEXT,
        "engagement",
        "CREATE TABLE",
    ] {
        assert!(!contains(&bytes, secret.as_bytes()), "the file shows {secret:?}");
    }
    // The same engagement written plain shows them: the list is of things the file holds.
    let plain = fx.path("plain-copy.ismap");
    std::fs::copy(&path, &plain).unwrap();
    crypt::remember_passphrase(&plain, PASSPHRASE.to_string().into());
    crypt::decrypt(&plain).unwrap();
    let plain_bytes = std::fs::read(&plain).unwrap();
    for shown in ["SQLite format 3", "株式会社サンプルクラウド", EXCEPTION_TEXT, EVIDENCE_TEXT, WORK_TEXT] {
        assert!(contains(&plain_bytes, shown.as_bytes()), "the plain file lacks {shown:?}");
    }
    // SQLite (or SQLCipher without the key) cannot read it.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let read = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0));
    assert!(read.is_err(), "read without a key: {read:?}");
}

#[test]
fn no_passphrase_a_wrong_one_and_a_plain_file_given_one_are_refused_with_the_file_unchanged() {
    let fx = Fixture::new();
    let path = encrypted_demo(&fx);
    let before = std::fs::read(&path).unwrap();
    crypt::forget_passphrase(&path);
    assert_eq!(kind_of(api::show_engagement(&path)), ErrorKind::PassphraseNeeded);
    assert_eq!(kind_of(api::list_controls(&path)), ErrorKind::PassphraseNeeded);
    let wrong = crypt::unlock(&path, "まちがい 2026 春".to_string().into()).unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::WrongPassphrase);
    assert!(wrong.to_string().contains("secret.ismap"), "{wrong}");
    // A wrong passphrase is not remembered: the file still asks for one.
    assert_eq!(kind_of(api::show_engagement(&path)), ErrorKind::PassphraseNeeded);
    // Given for the file without the check, a wrong passphrase fails every open.
    crypt::remember_passphrase(&path, "まちがい 2026 春".to_string().into());
    let refused = api::show_engagement(&path).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::WrongPassphrase, "{refused:?}");
    let patch = ProcedurePatch { work_done: Some("書けないはず".into()), ..ProcedurePatch::default() };
    let refused = api::update_procedure(&path, "6.1.2.1/P1", patch, fx.ctx()).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::WrongPassphrase, "{refused:?}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "a refused open changed the file");
    crypt::unlock(&path, PASSPHRASE.to_string().into()).unwrap();
    assert_opens(&path);

    let plain = fx.path("plain.ismap");
    api::create_demo(&plain, "u-plain".into(), fx.ctx()).unwrap();
    crypt::remember_passphrase(&plain, PASSPHRASE.to_string().into());
    let err = api::show_engagement(&plain).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotEncrypted, "{err}");
    assert_eq!(kind_of(crypt::unlock(&plain, PASSPHRASE.to_string().into())), ErrorKind::NotEncrypted);
    crypt::forget_passphrase(&plain);
    assert!(!api::show_engagement(&plain).unwrap().encrypted);
}

#[test]
fn truncated_and_corrupted_encrypted_files_are_refused_clearly() {
    let fx = Fixture::new();
    let path = encrypted_demo(&fx);
    let bytes = std::fs::read(&path).unwrap();
    let page = crypt::CIPHER_PAGE_SIZE as usize;
    assert!(bytes.len() >= 4 * page, "{} bytes", bytes.len());
    let damaged = |name: &str, content: &[u8]| {
        let p = fx.path(name);
        std::fs::write(&p, content).unwrap();
        crypt::remember_passphrase(&p, PASSPHRASE.to_string().into());
        p
    };
    // Cut inside a page: not a whole encrypted file.
    let cut = damaged("cut.ismap", &bytes[..bytes.len() - 1000]);
    let err = api::show_engagement(&cut).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAnEngagement, "{err}");
    // Cut at a page boundary: pages the header counts are missing.
    let short = damaged("short.ismap", &bytes[..bytes.len() - page]);
    let err = api::verify_log(&short, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    // A changed byte in a later page fails that page's checksum when it is read.
    let mut flipped = bytes.clone();
    let at = bytes.len() - page / 2;
    flipped[at] ^= 0x40;
    let flipped = damaged("flipped.ismap", &flipped);
    let err = api::verify_evidence(&flipped, &mut |_, _| true)
        .err()
        .or_else(|| api::verify_log(&flipped, None).err())
        .expect("the damaged page was read without complaint");
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    // A changed first page reads as a wrong key.
    let mut first = bytes.clone();
    first[200] ^= 0x01;
    let first = damaged("first.ismap", &first);
    assert_eq!(kind_of(api::show_engagement(&first)), ErrorKind::WrongPassphrase);
    // The original is untouched by all of it.
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert_opens(&path);
}

#[test]
fn encrypt_rekey_and_decrypt_replace_the_file_whole_and_verified() {
    let fx = Fixture::new();
    let path = fx.path("demo.ismap");
    api::create_demo(&path, "u-cycle".into(), fx.ctx()).unwrap();
    let events = api::show_engagement(&path).unwrap().events;
    let controls = api::list_controls(&path).unwrap();

    let done = crypt::encrypt(&path, PASSPHRASE).unwrap();
    assert!(done.encrypted);
    assert_eq!(done.events, events);
    assert!(crypt::is_encrypted(&path).unwrap());
    assert_eq!(kind_of(api::show_engagement(&path)), ErrorKind::PassphraseNeeded);
    assert_eq!(kind_of(crypt::encrypt(&path, PASSPHRASE)), ErrorKind::AlreadyEncrypted);
    crypt::unlock(&path, PASSPHRASE.to_string().into()).unwrap();
    assert_eq!(api::list_controls(&path).unwrap().len(), controls.len());
    assert!(api::verify_log(&path, None).unwrap().is_intact());

    let new = "新しいパスフレーズ 2027";
    assert_eq!(kind_of(crypt::rekey(&path, "short")), ErrorKind::Invalid);
    crypt::rekey(&path, new).unwrap();
    assert_eq!(kind_of(crypt::unlock(&path, PASSPHRASE.to_string().into())), ErrorKind::WrongPassphrase);
    crypt::unlock(&path, new.to_string().into()).unwrap();
    assert_eq!(api::show_engagement(&path).unwrap().events, events);

    let done = crypt::decrypt(&path).unwrap();
    assert!(!done.encrypted);
    assert!(std::fs::read(&path).unwrap().starts_with(b"SQLite format 3\0"));
    let view = api::show_engagement(&path).unwrap();
    assert!(!view.encrypted);
    assert_eq!(view.events, events);
    assert!(api::verify_log(&path, None).unwrap().is_intact());
    // Nothing is left beside the file: no temporary file, no old contents.
    assert_eq!(fx.files(), vec!["demo.ismap".to_string()]);
    assert_eq!(kind_of(crypt::decrypt(&path)), ErrorKind::NotEncrypted);
}

#[test]
fn an_interrupted_replacement_leaves_old_contents_that_the_next_open_erases() {
    let fx = Fixture::new();
    let path = encrypted_demo(&fx);
    // What a crash right after the rename leaves: the old (here plain) contents beside.
    let leftover = fx.path("secret.ismap.workbench-erase");
    std::fs::write(&leftover, "old plain contents").unwrap();
    assert_opens(&path);
    assert!(!leftover.exists(), "the old contents were left beside the file");
}

#[cfg(unix)]
#[test]
fn what_a_crash_leaves_under_the_second_name_never_costs_the_file_itself() {
    let fx = Fixture::new();
    let path = encrypted_demo(&fx);
    let bytes = std::fs::read(&path).unwrap();
    let leftover = fx.path("secret.ismap.workbench-erase");

    // A crash after the hard link, before the new file took the name: the
    // second name is the file itself, and only the name goes.
    std::fs::hard_link(&path, &leftover).unwrap();
    assert_opens(&path);
    assert!(!leftover.exists());
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    // A crash between two renames (no hard links): the file is put back.
    std::fs::rename(&path, &leftover).unwrap();
    assert_opens(&path);
    assert!(!leftover.exists());
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    // A link someone put there is not followed: what it points to stays.
    let other = fx.write("other.txt", "someone else's file");
    std::os::unix::fs::symlink(&other, &leftover).unwrap();
    assert_opens(&path);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "someone else's file");

    // Old contents with another name elsewhere (a backup's hard link) are not overwritten.
    std::fs::remove_file(&leftover).unwrap();
    let backup = fx.write("backup-of-old.bin", "old contents kept by a backup");
    std::fs::hard_link(&backup, &leftover).unwrap();
    assert_opens(&path);
    assert!(!leftover.exists());
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), "old contents kept by a backup");
}

#[test]
fn field_copies_of_an_encrypted_engagement_are_encrypted_and_merge_back() {
    let fx = Fixture::new();
    let path = encrypted_demo(&fx);
    // With the engagement's own key.
    let a = fx.path("a.ismap");
    api::make_copy(&path, &a, "佐藤 花子", CopyScope::All, "00000000-0000-4000-8000-00000000000a".into(), fx.ctx())
        .unwrap();
    let bytes = std::fs::read(&a).unwrap();
    assert!(!contains(&bytes, b"SQLite format 3"));
    assert!(!contains(&bytes, WORK_TEXT.as_bytes()));
    crypt::remember_passphrase(&a, PASSPHRASE.to_string().into());
    assert!(api::show_engagement(&a).unwrap().encrypted);
    // With a passphrase of its own, given at copy time.
    let b = fx.path("b.ismap");
    crypt::remember_passphrase(&b, "現場コピー用 パスフレーズ".to_string().into());
    api::make_copy(&path, &b, "鈴木 一郎", CopyScope::All, "00000000-0000-4000-8000-00000000000b".into(), fx.ctx())
        .unwrap();
    crypt::forget_passphrase(&b);
    assert_eq!(kind_of(crypt::unlock(&b, PASSPHRASE.to_string().into())), ErrorKind::WrongPassphrase);
    crypt::unlock(&b, "現場コピー用 パスフレーズ".to_string().into()).unwrap();

    let patch = ProcedurePatch { work_done: Some("現場で追記".into()), ..ProcedurePatch::default() };
    api::update_procedure(&a, "9.2.1.2/P2", patch, fx.ctx()).unwrap();
    let outcome = api::merge(&path, &a, fx.ctx()).unwrap();
    assert_eq!(outcome.imported, 1);
    assert_eq!(work_done(&path, "9.2.1.2/P2"), "現場で追記");
    assert!(api::verify_log(&path, None).unwrap().is_intact());
}

#[test]
fn new_passphrases_are_checked_in_the_core() {
    assert_eq!(kind_of(crypt::check_new_passphrase("1234567", None)), ErrorKind::Invalid);
    crypt::check_new_passphrase("12345678", None).unwrap();
    let err = crypt::check_new_passphrase("12345678", Some("12345679")).unwrap_err();
    match err {
        workbench_core::Error::Invalid { problems } => {
            assert_eq!(problems.len(), 1);
            assert_eq!(problems[0].field, "passphrase_repeat");
        }
        other => panic!("{other}"),
    }
    // Eight characters, not bytes: Japanese passphrases count as typed.
    crypt::check_new_passphrase("あいうえおかきく", Some("あいうえおかきく")).unwrap();

    use crypt::Strength::{Fair, Strong, Weak};
    for (passphrase, expected) in [
        ("aaaaaaaaaaaaaaaaaaaa", Weak),
        ("password", Weak),
        ("Tr0ub4dor&3x", Fair),
        ("correct horse battery staple", Strong),
        ("みなと監査 2026 春", Strong),
    ] {
        assert_eq!(crypt::strength_of(passphrase).0, expected, "{passphrase}: {:?}", crypt::strength_of(passphrase));
    }
    let typed = crypt::check_typed("みじかい", "みじかい");
    assert_eq!(typed.problems.len(), 1);
    assert_eq!(typed.problems[0].field, "passphrase");
}

/// The raw key we derive is SQLCipher's own derivation: the `sqlcipher`
/// library opens the file with the passphrase and its page size alone.
#[test]
fn sqlcipher_opens_the_file_with_the_passphrase_and_its_documented_settings() {
    let fx = Fixture::new();
    let path = encrypted_demo(&fx);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "key", PASSPHRASE).unwrap();
    conn.pragma_update(None, "cipher_page_size", crypt::CIPHER_PAGE_SIZE).unwrap();
    conn.pragma_update(None, "cipher_hmac_algorithm", crypt::HMAC).unwrap();
    let name: String =
        conn.query_row("SELECT json_extract(fields, '$.provider.name') FROM engagement", [], |r| r.get(0)).unwrap();
    assert_eq!(name, "株式会社サンプルクラウド");
    let iterations: String = conn.pragma_query_value(None, "kdf_iter", |r| r.get(0)).unwrap();
    assert_eq!(iterations, crypt::KDF_ITERATIONS.to_string());
}
