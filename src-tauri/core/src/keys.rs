//! Personal signing keys: one per person and computer, kept in the data
//! folder sealed under a PIN the person chooses, never in an engagement
//! file (docs/security.md, "Personal signing keys").
//!
//! A key is an Ed25519 key pair: checking the signatures of every sign-off
//! of a large engagement (12,000 of them) must take well under a second,
//! which Ed25519 does and ECDSA P-256 (measured at 0.27 ms a signature)
//! does not (docs/benchmarks.md). Its secret half is sealed with
//! XChaCha20-Poly1305 under a key
//! derived from the PIN with Argon2id; a wrong PIN fails the seal's check,
//! so the workbench can say so rather than sign with garbage. Its public
//! half travels as a "member card" (name, role, public key, fingerprint)
//! that a manager adds to an engagement's team.

use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, ProblemCode, Result};
use crate::model::engagement::Role;

/// What a key file says it is.
pub const KEY_FORMAT: &str = "ismap-workbench-signing-key-v1";
/// What a member card says it is.
pub const CARD_FORMAT: &str = "ismap-workbench-member-card-v1";
/// The folder of the data folder that holds the keys.
const KEYS_DIR: &str = "keys";
/// The shortest PIN: four characters, as a bank card's.
pub const MIN_PIN: usize = 4;
/// The longest name of a key or a card.
const MAX_NAME: usize = 200;
/// A key file or a member card is a few hundred bytes: anything much larger
/// is not one, and is refused before it is read.
const MAX_FILE: u64 = 64 * 1024;

/// How the PIN became the sealing key. Argon2id at OWASP's minimum for
/// interactive use (19 MiB, two passes): some milliseconds on a laptop,
/// and each guess at a stolen file costs as much, memory included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kdf {
    pub algorithm: String,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    pub salt: String,
}

/// A key as stored: its public half in the clear, its secret half sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    pub format: String,
    pub name: String,
    /// The Ed25519 public key, hex.
    pub public_key: String,
    pub fingerprint: String,
    pub created_at: String,
    pub kdf: Kdf,
    pub cipher: String,
    pub nonce: String,
    /// The 32-byte secret key, sealed, hex.
    pub sealed: String,
    /// A key of the demo's team, sealed under the published PIN `0000`:
    /// it signs only as well as a key whose PIN everyone knows, and says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
}

/// A key of this computer, as the profile and `workbench key list` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeySummary {
    pub name: String,
    pub fingerprint: String,
    pub public_key: String,
    pub created_at: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    /// A demo key (PIN `0000`), never for a real engagement.
    pub demo: bool,
}

/// The public half of a person's key, to hand to the manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberCard {
    pub format: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    pub public_key: String,
    pub fingerprint: String,
}

/// A key opened with its PIN, for as long as it signs. The secret is wiped
/// when it is dropped (`ed25519-dalek`'s `SigningKey` zeroizes itself).
pub struct UnlockedKey {
    pub name: String,
    pub fingerprint: String,
    signing: SigningKey,
}

impl std::fmt::Debug for UnlockedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnlockedKey").field("name", &self.name).field("fingerprint", &self.fingerprint).finish()
    }
}

impl UnlockedKey {
    /// Signs `message`; the signature as hex (64 bytes).
    pub fn sign(&self, message: &[u8]) -> String {
        let signature: Signature = self.signing.sign(message);
        hex::encode(signature.to_bytes())
    }

    pub fn public_key(&self) -> String {
        hex::encode(self.signing.verifying_key().as_bytes())
    }
}

/// A key's fingerprint: the first 16 bytes of the SHA-256 of its public key
/// (32 bytes), in eight groups of four capital hex digits, short
/// enough to read aloud over the phone and compare.
pub fn fingerprint(public_key: &[u8]) -> String {
    let digest = Sha256::digest(public_key);
    hex::encode_upper(&digest[..16])
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A public key read from its hex, when it is one.
pub fn public_key(hex_text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_text).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// Whether `signature` (hex) is `key`'s over `message` (strictly: no weak
/// keys, no malleable signatures).
pub fn verify_with(key: &VerifyingKey, message: &[u8], signature: &str) -> bool {
    let Some(bytes) = hex::decode(signature).ok().and_then(|b| <[u8; 64]>::try_from(b).ok()) else { return false };
    key.verify_strict(message, &Signature::from_bytes(&bytes)).is_ok()
}

/// Whether `signature` (hex) is `public_key`'s (hex) over `message`.
pub fn verify(public_key_hex: &str, message: &[u8], signature: &str) -> bool {
    public_key(public_key_hex).is_some_and(|k| verify_with(&k, message, signature))
}

fn refuse(field: &str, code: ProblemCode, params: &[(&str, String)], message: String) -> Error {
    crate::domain::refuse(field, code, params, message)
}

fn check_pin(pin: &str) -> Result<()> {
    if pin.chars().count() < MIN_PIN {
        return Err(refuse(
            "pin",
            ProblemCode::PinTooShort,
            &[("min", MIN_PIN.to_string())],
            format!("a PIN has at least {MIN_PIN} characters"),
        ));
    }
    if pin.chars().any(char::is_control) {
        return Err(refuse("pin", ProblemCode::ControlCharacter, &[], "the PIN holds a control character".into()));
    }
    Ok(())
}

fn sealing_key(pin: &str, kdf: &Kdf) -> Result<Zeroizing<[u8; 32]>> {
    let bad = |why: &str| Error::invalid("key", format!("the key file's {why} is not one this version uses"));
    if kdf.algorithm != "argon2id" {
        return Err(bad("key derivation"));
    }
    // Bounds on what a key file may ask for, so that a crafted one cannot
    // make the workbench allocate gigabytes or loop for hours.
    if !(8 * 1024..=64 * 1024).contains(&kdf.memory_kib) || !(1..=4).contains(&kdf.iterations) || kdf.parallelism != 1 {
        return Err(bad("key derivation's parameters"));
    }
    let salt = hex::decode(&kdf.salt).ok().filter(|s| (16..=64).contains(&s.len())).ok_or_else(|| bad("salt"))?;
    let params = argon2::Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|_| bad("key derivation's parameters"))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon.hash_password_into(pin.as_bytes(), &salt, key.as_mut()).map_err(|_| bad("salt"))?;
    Ok(key)
}

fn keys_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(KEYS_DIR)
}

/// The PIN of every demo key, published in the documentation so that the
/// demo can be tried by anyone.
pub const DEMO_PIN: &str = "0000";

/// Makes a key for `name` on this computer, sealed under `pin`, and keeps it
/// in the data folder.
pub fn create(data_dir: &Path, name: &str, pin: &str, now: String) -> Result<KeySummary> {
    make(data_dir, name, pin, now, false)
}

/// The demo keys of `names` on this computer: the ones already here (a
/// demo made before) kept, the others made, each sealed under [`DEMO_PIN`]
/// and marked as a demo key. Each is a fresh random key, never one derived
/// from something published: only its PIN is known to everyone.
pub fn install_demo(data_dir: &Path, names: &[&str], now: &str) -> Result<Vec<KeySummary>> {
    let here = list(data_dir)?;
    names
        .iter()
        .map(|name| match here.iter().find(|k| k.demo && k.name == *name) {
            Some(k) => Ok(k.clone()),
            None => make(data_dir, name, DEMO_PIN, now.to_string(), true),
        })
        .collect()
}

fn make(data_dir: &Path, name: &str, pin: &str, now: String, demo: bool) -> Result<KeySummary> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::required("name", "a key is made for a person: give their name"));
    }
    if name.chars().any(char::is_control) {
        return Err(refuse("name", ProblemCode::ControlCharacter, &[], "the name holds a control character".into()));
    }
    // The same bound as a card's or an imported key's name, so that a key
    // made here can always travel.
    if name.chars().count() > MAX_NAME {
        return Err(Error::invalid("name", format!("a name has at most {MAX_NAME} characters")));
    }
    check_pin(pin)?;
    let signing = SigningKey::generate(&mut OsRng);
    let public = signing.verifying_key();
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let kdf = Kdf {
        algorithm: "argon2id".into(),
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
        salt: hex::encode(salt),
    };
    let key = sealing_key(pin, &kdf)?;
    let secret = Zeroizing::new(signing.to_bytes());
    let sealed = XChaCha20Poly1305::new(key.as_ref().into())
        .encrypt(XNonce::from_slice(&nonce), secret.as_slice())
        .map_err(|_| Error::invalid("key", "the key could not be sealed"))?;
    let file = KeyFile {
        format: KEY_FORMAT.into(),
        name: name.into(),
        public_key: hex::encode(public.as_bytes()),
        fingerprint: fingerprint(public.as_bytes()),
        created_at: now,
        kdf,
        cipher: "xchacha20poly1305".into(),
        nonce: hex::encode(nonce),
        sealed: hex::encode(sealed),
        demo,
    };
    let dir = keys_dir(data_dir);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let path = dir.join(format!("{}.json", file.fingerprint.replace(' ', "")));
    let text = serde_json::to_string_pretty(&file).map_err(|e| Error::invalid("key", e.to_string()))?;
    crate::files::write_whole(&path, text.as_bytes())?;
    restrict_to_owner(&path)?;
    Ok(summary(&file, path))
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| Error::io(path, e))
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &Path) -> Result<()> {
    Ok(())
}

fn summary(file: &KeyFile, path: PathBuf) -> KeySummary {
    KeySummary {
        name: file.name.clone(),
        fingerprint: file.fingerprint.clone(),
        public_key: file.public_key.clone(),
        created_at: file.created_at.clone(),
        path,
        demo: file.demo,
    }
}

/// Reads a small JSON file from outside: its size capped before reading.
fn read_small<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    if !path.exists() {
        return Err(Error::NotFound { what: "file", id: path.display().to_string() });
    }
    let bytes = crate::import::read_limited(path, MAX_FILE, |len| format!("{len} bytes is too large for a {what}"))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::import_one(path, "file", format!("not a {what}: {e}")))
}

/// Checks that a key's public half is an Ed25519 key with that fingerprint.
fn check_public(path: &Path, public_key_hex: &str, fingerprint_given: &str, what: &str) -> Result<()> {
    let key = public_key(public_key_hex).ok_or_else(|| {
        Error::import_one(path, "public_key", format!("the {what}'s public key is not an Ed25519 key"))
    })?;
    let bytes = key.as_bytes();
    if fingerprint(bytes) != fingerprint_given {
        return Err(Error::import_one(
            path,
            "fingerprint",
            format!("the {what}'s fingerprint is not its public key's"),
        ));
    }
    Ok(())
}

fn read_key(path: &Path) -> Result<KeyFile> {
    let file: KeyFile = read_small(path, "key file")?;
    if file.format != KEY_FORMAT {
        return Err(Error::import_one(path, "format", format!("not a key file of this version ({:?})", file.format)));
    }
    check_public(path, &file.public_key, &file.fingerprint, "key file")?;
    Ok(file)
}

/// The keys of this computer, by name; a file that is not a key is skipped.
pub fn list(data_dir: &Path) -> Result<Vec<KeySummary>> {
    let dir = keys_dir(data_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&dir, e)),
    };
    let mut keys = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            if let Ok(file) = read_key(&path) {
                keys.push(summary(&file, path));
            }
        }
    }
    keys.sort_by(|a, b| (&a.name, &a.created_at).cmp(&(&b.name, &b.created_at)));
    Ok(keys)
}

/// The key of this computer that `which` names: its fingerprint (spaces
/// optional) or its person's name; refused when none or several match.
pub fn find(data_dir: &Path, which: &str) -> Result<KeySummary> {
    let wanted = which.replace(' ', "").to_uppercase();
    let keys = list(data_dir)?;
    let mut matching: Vec<KeySummary> =
        keys.into_iter().filter(|k| k.fingerprint.replace(' ', "") == wanted || k.name == which.trim()).collect();
    // A person's own key goes before a demo key of the same name (someone
    // who tried the demo under their own name, then made their key).
    if matching.iter().any(|k| !k.demo) {
        matching.retain(|k| !k.demo);
    }
    match matching.len() {
        1 => Ok(matching.into_iter().next().unwrap_or_else(|| unreachable!())),
        0 => Err(Error::NotFound { what: "signing key", id: which.to_string() }),
        _ => Err(refuse(
            "key",
            ProblemCode::SeveralKeys,
            &[("name", which.to_string())],
            format!("several keys of this computer are {which}'s; name one by its fingerprint"),
        )),
    }
}

/// Opens the key `which` with `pin`. A wrong PIN is refused as such.
pub fn unlock(data_dir: &Path, which: &str, pin: &str) -> Result<UnlockedKey> {
    let found = find(data_dir, which)?;
    open(read_key(&found.path)?, &found.path, pin)
}

/// Writes the key `which`, still sealed under its PIN, to `out` (which must
/// not exist), for its person to carry to another computer of theirs.
pub fn export(data_dir: &Path, which: &str, out: &Path) -> Result<KeySummary> {
    let found = find(data_dir, which)?;
    let file = read_key(&found.path)?;
    if out.exists() {
        return Err(Error::AlreadyExists { what: "file", id: out.display().to_string() });
    }
    let text = serde_json::to_string_pretty(&file).map_err(|e| Error::invalid("key", e.to_string()))?;
    crate::files::write_whole(out, text.as_bytes())?;
    restrict_to_owner(out)?;
    Ok(summary(&file, out.to_path_buf()))
}

/// Brings a person's key file from another computer into this one's data
/// folder. The file is read within its cap and checked whole, and opened
/// with `pin` before anything is written: a damaged file, another file
/// dressed as a key, or a PIN that is not the key's leaves the data folder
/// as it was. A key already here is refused as such.
pub fn import(data_dir: &Path, path: &Path, pin: &str) -> Result<KeySummary> {
    let file = read_key(path)?;
    if file.name.trim().is_empty() || file.name.chars().any(char::is_control) || file.name.chars().count() > MAX_NAME {
        return Err(Error::import_one(
            path,
            "name",
            "the key file's name is empty, too long or holds a control character",
        ));
    }
    drop(open(file.clone(), path, pin)?);
    if let Some(here) = list(data_dir)?.into_iter().find(|k| k.fingerprint == file.fingerprint) {
        return Err(Error::AlreadyExists { what: "signing key", id: format!("{} ({})", here.fingerprint, here.name) });
    }
    let dir = keys_dir(data_dir);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    // The name of the file here is ours, from the fingerprint, never the
    // name the file came with.
    let target = dir.join(format!("{}.json", file.fingerprint.replace(' ', "")));
    let text = serde_json::to_string_pretty(&file).map_err(|e| Error::invalid("key", e.to_string()))?;
    crate::files::write_whole(&target, text.as_bytes())?;
    restrict_to_owner(&target)?;
    Ok(summary(&file, target))
}

/// Opens a key file read from `path` with `pin`.
fn open(file: KeyFile, path: &Path, pin: &str) -> Result<UnlockedKey> {
    let bad = |why: &str| Error::invalid("key", format!("{}: {why}", path.display()));
    if file.cipher != "xchacha20poly1305" {
        return Err(bad("the key's cipher is not one this version uses"));
    }
    let nonce = hex::decode(&file.nonce).ok().filter(|n| n.len() == 24).ok_or_else(|| bad("its nonce is damaged"))?;
    let sealed = hex::decode(&file.sealed).map_err(|_| bad("its sealed key is damaged"))?;
    let key = sealing_key(pin, &file.kdf)?;
    let secret = Zeroizing::new(
        XChaCha20Poly1305::new(key.as_ref().into()).decrypt(XNonce::from_slice(&nonce), sealed.as_slice()).map_err(
            |_| {
                refuse(
                    "pin",
                    ProblemCode::WrongPin,
                    &[("name", file.name.clone())],
                    format!("wrong PIN for {}'s key", file.name),
                )
            },
        )?,
    );
    let seed: Zeroizing<[u8; 32]> =
        Zeroizing::new(secret.as_slice().try_into().map_err(|_| bad("its sealed key is damaged"))?);
    let signing = SigningKey::from_bytes(&seed);
    if hex::encode(signing.verifying_key().as_bytes()) != file.public_key {
        return Err(bad("its secret and public halves do not belong together"));
    }
    Ok(UnlockedKey { name: file.name, fingerprint: file.fingerprint, signing })
}

/// The member card of the key `which`: what a manager needs to add the
/// person to an engagement's team.
pub fn card(data_dir: &Path, which: &str, role: Option<Role>) -> Result<MemberCard> {
    let key = find(data_dir, which)?;
    Ok(MemberCard {
        format: CARD_FORMAT.into(),
        name: key.name,
        role,
        public_key: key.public_key,
        fingerprint: key.fingerprint,
    })
}

/// Writes the member card of the key `which` to `out`, which must not exist.
pub fn write_card(data_dir: &Path, which: &str, role: Option<Role>, out: &Path) -> Result<MemberCard> {
    let card = card(data_dir, which, role)?;
    if out.exists() {
        return Err(Error::AlreadyExists { what: "file", id: out.display().to_string() });
    }
    let text = serde_json::to_string_pretty(&card).map_err(|e| Error::invalid("card", e.to_string()))?;
    crate::files::write_whole(out, text.as_bytes())?;
    Ok(card)
}

/// Reads a member card a person handed over, checking it whole: its
/// format, that its key is an Ed25519 key and that the fingerprint is that
/// key's.
pub fn read_card(path: &Path) -> Result<MemberCard> {
    let card: MemberCard = read_small(path, "member card")?;
    if card.format != CARD_FORMAT {
        return Err(Error::import_one(path, "format", format!("not a member card ({:?})", card.format)));
    }
    if card.name.trim().is_empty() || card.name.chars().any(char::is_control) || card.name.chars().count() > MAX_NAME {
        return Err(Error::import_one(
            path,
            "name",
            "the member card's name is empty, too long or holds a control character",
        ));
    }
    check_public(path, &card.public_key, &card.fingerprint, "member card")?;
    Ok(card)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> String {
        "2026-12-06T00:00:00.000Z".into()
    }

    #[test]
    fn a_key_signs_with_its_pin_and_refuses_a_wrong_one() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let made = create(dir.path(), "佐藤 花子", "2468", now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(made.fingerprint.len(), 39, "{}", made.fingerprint);
        let key = unlock(dir.path(), "佐藤 花子", "2468").unwrap_or_else(|e| panic!("{e}"));
        let signature = key.sign(b"engagement|9.2.1.2/P1|preparer|hash");
        assert!(verify(&made.public_key, b"engagement|9.2.1.2/P1|preparer|hash", &signature));
        assert!(!verify(&made.public_key, b"engagement|9.2.1.2/P1|reviewer|hash", &signature));
        let wrong = unlock(dir.path(), &made.fingerprint, "1357").unwrap_err();
        assert!(matches!(&wrong, Error::Invalid { problems } if problems[0].code == ProblemCode::WrongPin), "{wrong}");
        assert!(create(dir.path(), "x", "12", now()).is_err(), "a PIN under four characters");
        // The file holds no secret in the clear.
        let text = std::fs::read_to_string(&made.path).unwrap_or_default();
        let secret = hex::encode(key.signing.to_bytes());
        assert!(!text.contains(&secret));
    }

    #[test]
    fn a_member_card_is_checked_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let made = create(dir.path(), "鈴木 一郎", "0000", now()).unwrap_or_else(|e| panic!("{e}"));
        let card = card(dir.path(), &made.fingerprint, Some(Role::Reviewer)).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("card.json");
        std::fs::write(&path, serde_json::to_string(&card).unwrap_or_default()).unwrap_or_default();
        assert_eq!(read_card(&path).unwrap_or_else(|e| panic!("{e}")), card);
        let mut forged = card.clone();
        forged.fingerprint = fingerprint(b"another key");
        std::fs::write(&path, serde_json::to_string(&forged).unwrap_or_default()).unwrap_or_default();
        assert!(read_card(&path).is_err());
        std::fs::write(&path, "{\"format\":\"x\"}").unwrap_or_default();
        assert!(read_card(&path).is_err());
        std::fs::write(&path, vec![b' '; 70 * 1024]).unwrap_or_default();
        assert!(read_card(&path).is_err(), "too large to be a card");
    }

    #[test]
    fn a_key_travels_sealed_and_arrives_only_with_its_pin() {
        let (laptop, desktop) = (
            tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
            tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
        );
        let made = create(laptop.path(), "佐藤 花子", "1234", now()).unwrap_or_else(|e| panic!("{e}"));
        let carried = laptop.path().join("carried.json");
        export(laptop.path(), &made.fingerprint, &carried).unwrap_or_else(|e| panic!("{e}"));
        assert!(export(laptop.path(), &made.fingerprint, &carried).is_err(), "an existing file is not overwritten");
        // The secret does not travel in the clear.
        let text = std::fs::read_to_string(&carried).unwrap_or_default();
        assert!(text.contains("\"sealed\""));

        let wrong = import(desktop.path(), &carried, "9999").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(wrong.contains("wrong PIN"), "{wrong}");
        assert!(list(desktop.path()).unwrap_or_default().is_empty(), "nothing written on a wrong PIN");

        let here = import(desktop.path(), &carried, "1234").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(here.fingerprint, made.fingerprint);
        assert!(here.path.starts_with(desktop.path().join(KEYS_DIR)));
        let opened = unlock(desktop.path(), "佐藤 花子", "1234").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(opened.fingerprint, made.fingerprint);
        assert!(import(desktop.path(), &carried, "1234").is_err(), "a key already here is refused");

        // A file whose public half was swapped for another key's is not a key.
        let other = create(laptop.path(), "鈴木 一郎", "1234", now()).unwrap_or_else(|e| panic!("{e}"));
        let swapped = text.replace(&made.public_key, &other.public_key).replace(&made.fingerprint, &other.fingerprint);
        let forged = laptop.path().join("forged.json");
        std::fs::write(&forged, swapped).unwrap_or_default();
        let third = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert!(import(third.path(), &forged, "1234").is_err());
        assert!(list(third.path()).unwrap_or_default().is_empty());
    }
}
