//! Signatures and certificate chains, as the firms' certificate
//! authorities make them: RSA (PKCS#1 v1.5 and PSS) and ECDSA (P-256 and
//! P-384), with SHA-256, SHA-384 or SHA-512. A chain is built by trying
//! every certificate that could have issued the one below it (two CAs of
//! one name after a rollover), judged at the time the signer states.

use std::time::Duration;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::db::rfc5911::{
    ID_AA_SIGNING_CERTIFICATE_V_2, ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME,
};
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ECDSA_WITH_SHA_512, ID_EC_PUBLIC_KEY, ID_MGF_1, ID_RSASSA_PSS, ID_SHA_256,
    ID_SHA_384, ID_SHA_512, RSA_ENCRYPTION, SECP_256_R_1, SECP_384_R_1, SHA_256_WITH_RSA_ENCRYPTION,
    SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
use x509_cert::Certificate;

use super::{CheckFailure, FailureKind, Sentence};
use crate::sign::SigningCertificateV2;

use FailureKind::{BadSignature, Changed, Malformed, Missing, Untrusted};

/// The longest chain walked, and the most certificates a signature may carry.
const MAX_CHAIN: usize = 8;
const MAX_CERTIFICATES: usize = 16;
/// The most issuer signatures checked while building one chain, so that a
/// signature full of same-named certificates cannot make the search long.
const MAX_ATTEMPTS: usize = 64;
/// How far in the future a stated signing time may be (clocks differ).
const CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// Extended key usages that say a key signs documents: any purpose, RFC
/// 9336 document signing, e-mail protection (S/MIME, which many CAs issue
/// for document signing), Adobe's authentic documents and Microsoft's
/// document signing.
const DOCUMENT_SIGNING_USAGES: [ObjectIdentifier; 5] = [
    const_oid::db::rfc5912::ANY_EXTENDED_KEY_USAGE,
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.36"),
    const_oid::db::rfc5912::ID_KP_EMAIL_PROTECTION,
    ObjectIdentifier::new_unwrap("1.2.840.113583.1.1.5"),
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.10.3.12"),
];

fn say(kind: FailureKind, code: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> CheckFailure {
    kind.because(Sentence::new(code, args))
}

fn der_failure(e: der::Error) -> CheckFailure {
    say(Malformed, "signature.unreadable", &[("error", &e)])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub(crate) fn of(oid: &ObjectIdentifier) -> Option<Hash> {
        match *oid {
            ID_SHA_256 => Some(Hash::Sha256),
            ID_SHA_384 => Some(Hash::Sha384),
            ID_SHA_512 => Some(Hash::Sha512),
            _ => None,
        }
    }
    pub(crate) fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for p in parts {
                d.update(p);
            }
            d.finalize().to_vec()
        }
        match self {
            Hash::Sha256 => run::<Sha256>(parts),
            Hash::Sha384 => run::<Sha384>(parts),
            Hash::Sha512 => run::<Sha512>(parts),
        }
    }
}

/// Verifies `signature` over `message` with the key of `spki`. `hash` is
/// the digest to use when the algorithm names none (a CMS signer info whose
/// signature algorithm is the bare key type).
pub(crate) fn verify_signature(
    algorithm: &AlgorithmIdentifierOwned,
    hash: Option<Hash>,
    spki: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CheckFailure> {
    let unsupported = || say(BadSignature, "signature.unsupported_algorithm", &[("oid", &algorithm.oid)]);
    match algorithm.oid {
        SHA_256_WITH_RSA_ENCRYPTION => rsa_pkcs1(spki, Hash::Sha256, message, signature),
        SHA_384_WITH_RSA_ENCRYPTION => rsa_pkcs1(spki, Hash::Sha384, message, signature),
        SHA_512_WITH_RSA_ENCRYPTION => rsa_pkcs1(spki, Hash::Sha512, message, signature),
        RSA_ENCRYPTION => rsa_pkcs1(spki, hash.ok_or_else(unsupported)?, message, signature),
        ID_RSASSA_PSS => rsa_pss(algorithm, spki, message, signature),
        ECDSA_WITH_SHA_256 => ecdsa(spki, Hash::Sha256, message, signature),
        ECDSA_WITH_SHA_384 => ecdsa(spki, Hash::Sha384, message, signature),
        ECDSA_WITH_SHA_512 => ecdsa(spki, Hash::Sha512, message, signature),
        ID_EC_PUBLIC_KEY => ecdsa(spki, hash.ok_or_else(unsupported)?, message, signature),
        _ => Err(unsupported()),
    }
}

fn rsa_key(spki: &SubjectPublicKeyInfoOwned) -> Result<rsa::RsaPublicKey, CheckFailure> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    // A key marked for PSS only (id-RSASSA-PSS) holds the same PKCS#1 key.
    if spki.algorithm.oid != RSA_ENCRYPTION && spki.algorithm.oid != ID_RSASSA_PSS {
        return Err(say(BadSignature, "signature.key_mismatch", &[("oid", &spki.algorithm.oid)]));
    }
    let bytes = spki.subject_public_key.as_bytes().ok_or_else(|| say(Malformed, "signature.bad_key", &[]))?;
    rsa::RsaPublicKey::from_pkcs1_der(bytes).map_err(|_| say(Malformed, "signature.bad_key", &[]))
}

fn rsa_pkcs1(
    spki: &SubjectPublicKeyInfoOwned,
    hash: Hash,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CheckFailure> {
    use signature::Verifier;
    let key = rsa_key(spki)?;
    let signature =
        rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| say(Malformed, "signature.bad_value", &[]))?;
    let verified = match hash {
        Hash::Sha256 => rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key).verify(message, &signature),
        Hash::Sha384 => rsa::pkcs1v15::VerifyingKey::<Sha384>::new(key).verify(message, &signature),
        Hash::Sha512 => rsa::pkcs1v15::VerifyingKey::<Sha512>::new(key).verify(message, &signature),
    };
    verified.map_err(|_| say(BadSignature, "signature.does_not_verify", &[]))
}

/// RSASSA-PSS with its parameters: the hash, MGF1 over the same hash, the
/// salt length and the usual trailer.
fn rsa_pss(
    algorithm: &AlgorithmIdentifierOwned,
    spki: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CheckFailure> {
    use signature::Verifier;
    let unsupported = || say(BadSignature, "signature.pss_parameters", &[]);
    let params = algorithm.parameters.as_ref().ok_or_else(unsupported)?;
    let params: rsa::pkcs1::RsaPssParams<'_> = params.decode_as().map_err(|_| unsupported())?;
    let hash = Hash::of(&params.hash.oid).ok_or_else(unsupported)?;
    let mgf_hash = params.mask_gen.parameters.as_ref().map(|p| p.oid);
    if params.mask_gen.oid != ID_MGF_1 || mgf_hash.as_ref().and_then(Hash::of) != Some(hash) {
        return Err(unsupported());
    }
    if params.trailer_field != rsa::pkcs1::TrailerField::BC {
        return Err(unsupported());
    }
    let key = rsa_key(spki)?;
    let salt = params.salt_len as usize;
    let signature = rsa::pss::Signature::try_from(signature).map_err(|_| say(Malformed, "signature.bad_value", &[]))?;
    let verified = match hash {
        Hash::Sha256 => rsa::pss::VerifyingKey::<Sha256>::new_with_salt_len(key, salt).verify(message, &signature),
        Hash::Sha384 => rsa::pss::VerifyingKey::<Sha384>::new_with_salt_len(key, salt).verify(message, &signature),
        Hash::Sha512 => rsa::pss::VerifyingKey::<Sha512>::new_with_salt_len(key, salt).verify(message, &signature),
    };
    verified.map_err(|_| say(BadSignature, "signature.does_not_verify", &[]))
}

fn ecdsa(spki: &SubjectPublicKeyInfoOwned, hash: Hash, message: &[u8], signature: &[u8]) -> Result<(), CheckFailure> {
    use signature::hazmat::PrehashVerifier;
    if spki.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(say(BadSignature, "signature.key_mismatch", &[("oid", &spki.algorithm.oid)]));
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        .ok_or_else(|| say(Malformed, "signature.bad_key", &[]))?;
    let point = spki.subject_public_key.as_bytes().ok_or_else(|| say(Malformed, "signature.bad_key", &[]))?;
    let prehash = hash.digest(&[message]);
    let bad_key = |_| say(Malformed, "signature.bad_key", &[]);
    let bad_value = |_| say(Malformed, "signature.bad_value", &[]);
    let verified = match curve {
        SECP_256_R_1 => {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad_key)?;
            let signature = p256::ecdsa::Signature::from_der(signature).map_err(bad_value)?;
            key.verify_prehash(&prehash, &signature)
        }
        SECP_384_R_1 => {
            let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad_key)?;
            let signature = p384::ecdsa::Signature::from_der(signature).map_err(bad_value)?;
            key.verify_prehash(&prehash, &signature)
        }
        other => return Err(say(BadSignature, "signature.unsupported_curve", &[("oid", &other)])),
    };
    verified.map_err(|_| say(BadSignature, "signature.does_not_verify", &[]))
}

/// Why a certificate may not sign documents, if it may not: it must carry
/// a key usage with digitalSignature or nonRepudiation, and an extended key
/// usage, when it has one, must name a document-signing purpose (a TLS
/// server or client certificate must not sign a report).
pub(crate) fn signing_refusal(cert: &Certificate) -> Option<Sentence> {
    let subject = cert.tbs_certificate.subject.to_string();
    let subject: &dyn std::fmt::Display = &subject;
    match cert.tbs_certificate.get::<KeyUsage>() {
        Ok(Some((_, usage))) if usage.digital_signature() || usage.non_repudiation() => {}
        Ok(Some(_)) => return Some(Sentence::new("certificate.key_usage", &[("subject", subject)])),
        Ok(None) => return Some(Sentence::new("certificate.no_key_usage", &[("subject", subject)])),
        Err(_) => return Some(Sentence::new("certificate.bad_extension", &[("subject", subject)])),
    }
    match cert.tbs_certificate.get::<ExtendedKeyUsage>() {
        Ok(None) => None,
        Ok(Some((_, eku))) if eku.0.iter().any(|oid| DOCUMENT_SIGNING_USAGES.contains(oid)) => None,
        Ok(Some(_)) => Some(Sentence::new("certificate.extended_key_usage", &[("subject", subject)])),
        Err(_) => Some(Sentence::new("certificate.bad_extension", &[("subject", subject)])),
    }
}

/// Who signed, and when the verifier judged the certificates valid.
#[derive(Debug, Clone)]
pub(crate) struct Signer {
    pub cert: Certificate,
    pub subject: String,
    /// The time the chain was judged at (seconds since 1970).
    pub judged_at: Duration,
    /// Whether that time is the one the signer states (else it is now).
    pub stated: bool,
}

/// Verifies a detached CMS over the concatenation of `content`, then the
/// signer's certificate and chain at `stated` (the time the signature
/// itself states, if the caller has one) or the signing-time attribute,
/// else now.
pub(crate) fn verify_detached(
    p7s: &[u8],
    content: &[&[u8]],
    anchors: &[Certificate],
    now: Duration,
    stated: Option<Duration>,
) -> Result<Signer, CheckFailure> {
    let info = ContentInfo::from_der(p7s).map_err(der_failure)?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(say(Malformed, "signature.not_signed_data", &[]));
    }
    let data: SignedData = info.content.decode_as().map_err(der_failure)?;
    if data.encap_content_info.econtent_type != ID_DATA || data.encap_content_info.econtent.is_some() {
        return Err(say(Malformed, "signature.not_detached", &[]));
    }
    let certs: Vec<Certificate> = data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    if certs.len() > MAX_CERTIFICATES {
        return Err(say(Malformed, "signature.too_many_certificates", &[("max", &MAX_CERTIFICATES)]));
    }
    let mut signers = data.signer_infos.0.iter();
    let signer = signers.next().ok_or_else(|| say(Missing, "signature.no_signer", &[]))?;
    if signers.next().is_some() {
        return Err(say(Malformed, "signature.several_signers", &[]));
    }
    let hash = Hash::of(&signer.digest_alg.oid)
        .ok_or_else(|| say(BadSignature, "signature.unsupported_digest", &[("oid", &signer.digest_alg.oid)]))?;
    let SignerIdentifier::IssuerAndSerialNumber(id) = &signer.sid else {
        return Err(say(Malformed, "signature.signer_id", &[]));
    };
    let mut matching = certs
        .iter()
        .filter(|c| c.tbs_certificate.issuer == id.issuer && c.tbs_certificate.serial_number == id.serial_number);
    let cert = matching.next().ok_or_else(|| say(Missing, "signature.no_signer_certificate", &[]))?;
    if matching.any(|other| other != cert) {
        return Err(say(Malformed, "signature.ambiguous_signer", &[]));
    }
    let attributes = signed_attributes(signer)?;
    let digest: OctetString = attributes.one(ID_MESSAGE_DIGEST)?.decode_as().map_err(der_failure)?;
    if digest.as_bytes() != hash.digest(content).as_slice() {
        return Err(say(Changed, "signature.content_changed", &[]));
    }
    let content_type: ObjectIdentifier = attributes.one(ID_CONTENT_TYPE)?.decode_as().map_err(der_failure)?;
    if content_type != ID_DATA {
        return Err(say(Malformed, "signature.content_type", &[]));
    }
    check_signing_certificate(attributes.one(ID_AA_SIGNING_CERTIFICATE_V_2)?, cert)?;
    let signed = signer.signed_attrs.as_ref().map(|a| a.to_der()).transpose().map_err(der_failure)?.unwrap_or_default();
    verify_signature(
        &signer.signature_algorithm,
        Some(hash),
        &cert.tbs_certificate.subject_public_key_info,
        &signed,
        signer.signature.as_bytes(),
    )?;
    if let Some(refusal) = signing_refusal(cert) {
        return Err(Untrusted.because(refusal));
    }
    let stated = match stated {
        Some(t) => Some(t),
        None => attributes.signing_time()?,
    };
    if let Some(t) = stated {
        if t > now + CLOCK_SKEW {
            return Err(say(Untrusted, "signature.time_in_future", &[("at", &utc(t))]));
        }
    }
    let judged_at = stated.unwrap_or(now);
    chain_to_anchor(cert, &certs, anchors, judged_at)?;
    Ok(Signer {
        cert: cert.clone(),
        subject: cert.tbs_certificate.subject.to_string(),
        judged_at,
        stated: stated.is_some(),
    })
}

/// The signed attributes, each type at most once.
struct Attributes<'a>(&'a [x509_cert::attr::Attribute]);

fn signed_attributes(signer: &SignerInfo) -> Result<Attributes<'_>, CheckFailure> {
    let attrs = signer.signed_attrs.as_ref().ok_or_else(|| say(Missing, "signature.no_attributes", &[]))?;
    let attrs = attrs.as_slice();
    for (i, a) in attrs.iter().enumerate() {
        if attrs[..i].iter().any(|b| b.oid == a.oid) || a.values.len() != 1 {
            return Err(say(Malformed, "signature.repeated_attribute", &[("oid", &a.oid)]));
        }
    }
    Ok(Attributes(attrs))
}

impl Attributes<'_> {
    fn get(&self, oid: ObjectIdentifier) -> Option<&der::Any> {
        self.0.iter().find(|a| a.oid == oid).and_then(|a| a.values.get(0))
    }
    fn one(&self, oid: ObjectIdentifier) -> Result<&der::Any, CheckFailure> {
        self.get(oid).ok_or_else(|| say(Missing, "signature.missing_attribute", &[("oid", &attribute_name(oid))]))
    }
    fn signing_time(&self) -> Result<Option<Duration>, CheckFailure> {
        self.get(ID_SIGNING_TIME)
            .map(|v| {
                let der = v.to_der().map_err(der_failure)?;
                x509_cert::time::Time::from_der(&der).map(|t| t.to_unix_duration()).map_err(der_failure)
            })
            .transpose()
    }
}

fn attribute_name(oid: ObjectIdentifier) -> String {
    match oid {
        ID_MESSAGE_DIGEST => "message-digest".into(),
        ID_CONTENT_TYPE => "content-type".into(),
        ID_AA_SIGNING_CERTIFICATE_V_2 => "signing-certificate-v2".into(),
        other => other.to_string(),
    }
}

/// ESS signing-certificate-v2 (RFC 5035) must name the certificate that
/// signed: its first entry's hash (SHA-256 unless it says otherwise) and,
/// when given, its issuer and serial number.
fn check_signing_certificate(value: &der::Any, cert: &Certificate) -> Result<(), CheckFailure> {
    let ess: SigningCertificateV2 = value.decode_as().map_err(der_failure)?;
    let first = ess.certs.first().ok_or_else(|| say(Malformed, "signature.ess_empty", &[]))?;
    let hash = match &first.hash_algorithm {
        None => Hash::Sha256,
        Some(a) => {
            Hash::of(&a.oid).ok_or_else(|| say(BadSignature, "signature.unsupported_digest", &[("oid", &a.oid)]))?
        }
    };
    let der = cert.to_der().map_err(der_failure)?;
    if first.cert_hash.as_bytes() != hash.digest(&[&der]).as_slice() {
        return Err(say(Changed, "signature.ess_mismatch", &[]));
    }
    if let Some(issuer_serial) = &first.issuer_serial {
        let named = issuer_serial.issuer.iter().any(|n| {
            matches!(n, x509_cert::ext::pkix::name::GeneralName::DirectoryName(name) if *name == cert.tbs_certificate.issuer)
        });
        if !named || issuer_serial.serial_number != cert.tbs_certificate.serial_number {
            return Err(say(Changed, "signature.ess_mismatch", &[]));
        }
    }
    Ok(())
}

/// A time as people read it, in UTC.
pub(crate) fn utc(t: Duration) -> String {
    chrono::DateTime::from_timestamp(t.as_secs().min(i64::MAX as u64) as i64, 0)
        .map_or_else(|| format!("{}s", t.as_secs()), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

fn valid_at(cert: &Certificate, at: Duration) -> Result<(), CheckFailure> {
    let validity = &cert.tbs_certificate.validity;
    let subject = cert.tbs_certificate.subject.to_string();
    if at < validity.not_before.to_unix_duration() {
        return Err(say(Untrusted, "chain.not_yet_valid", &[("subject", &subject), ("at", &utc(at))]));
    }
    if at > validity.not_after.to_unix_duration() {
        return Err(say(Untrusted, "chain.expired", &[("subject", &subject), ("at", &utc(at))]));
    }
    Ok(())
}

/// Builds a chain from the signer up to a trust anchor, trying every
/// certificate (in the signature or among the anchors) whose subject is
/// the issuer's name: after a CA rollover two anchors share a name, and
/// only one of them signed. Every certificate on the way, the anchor
/// included, must be valid at `at`; each issuer must be a CA allowed to
/// sign certificates, within its path length.
fn chain_to_anchor(
    leaf: &Certificate,
    pool: &[Certificate],
    anchors: &[Certificate],
    at: Duration,
) -> Result<(), CheckFailure> {
    if anchors.is_empty() {
        return Err(say(Untrusted, "chain.no_anchor", &[]));
    }
    valid_at(leaf, at)?;
    if anchors.contains(leaf) {
        return Ok(());
    }
    let mut search = Search { pool, anchors, at, attempts: 0, best: None };
    let mut path = vec![leaf];
    if search.extend(&mut path) {
        return Ok(());
    }
    Err(search.best.unwrap_or_else(|| {
        say(Untrusted, "chain.no_issuer", &[("subject", &leaf.tbs_certificate.subject.to_string())])
    }))
}

struct Search<'a> {
    pool: &'a [Certificate],
    anchors: &'a [Certificate],
    at: Duration,
    attempts: usize,
    /// The most telling failure so far, reported when no chain is found.
    best: Option<CheckFailure>,
}

impl<'a> Search<'a> {
    fn extend(&mut self, path: &mut Vec<&'a Certificate>) -> bool {
        let Some(&current) = path.last() else { return false };
        if path.len() > MAX_CHAIN {
            self.best.get_or_insert(say(Untrusted, "chain.too_long", &[]));
            return false;
        }
        let candidates: Vec<&'a Certificate> = self
            .anchors
            .iter()
            .chain(self.pool)
            .filter(|c| c.tbs_certificate.subject == current.tbs_certificate.issuer && !path.contains(c))
            .collect();
        for issuer in candidates {
            if self.attempts >= MAX_ATTEMPTS {
                self.best = Some(say(Untrusted, "chain.too_many_candidates", &[]));
                return false;
            }
            self.attempts += 1;
            if let Err(problem) = self.issued(issuer, current, path.len() - 1) {
                // A signature that does not verify is what a CA rollover
                // looks like from the other CA; anything else says more.
                if self.best.is_none() || problem.sentence.code != "chain.not_signed_by_issuer" {
                    self.best = Some(problem);
                }
                continue;
            }
            if self.anchors.contains(issuer) {
                return true;
            }
            path.push(issuer);
            if self.extend(path) {
                return true;
            }
            path.pop();
        }
        false
    }

    /// Whether `issuer` issued `cert`, with `below` CA certificates between
    /// `cert` and the leaf (for the issuer's path length constraint).
    fn issued(&self, issuer: &Certificate, cert: &Certificate, below: usize) -> Result<(), CheckFailure> {
        let subject = issuer.tbs_certificate.subject.to_string();
        let bad_extension = || say(Untrusted, "certificate.bad_extension", &[("subject", &subject)]);
        let constraints = issuer.tbs_certificate.get::<BasicConstraints>().map_err(|_| bad_extension())?;
        let Some((_, constraints)) = constraints.filter(|(_, b)| b.ca) else {
            return Err(say(Untrusted, "chain.not_a_ca", &[("subject", &subject)]));
        };
        match issuer.tbs_certificate.get::<KeyUsage>().map_err(|_| bad_extension())? {
            Some((_, usage)) if !usage.key_cert_sign() => {
                return Err(say(Untrusted, "chain.not_a_ca", &[("subject", &subject)]))
            }
            _ => {}
        }
        if let Some(limit) = constraints.path_len_constraint {
            if below > limit as usize {
                return Err(say(Untrusted, "chain.path_length", &[("subject", &subject), ("limit", &limit)]));
            }
        }
        let tbs = cert.tbs_certificate.to_der().map_err(der_failure)?;
        let signature = cert.signature.as_bytes().ok_or_else(|| say(Malformed, "signature.bad_value", &[]))?;
        verify_signature(
            &cert.signature_algorithm,
            None,
            &issuer.tbs_certificate.subject_public_key_info,
            &tbs,
            signature,
        )
        .map_err(|_| {
            say(
                Untrusted,
                "chain.not_signed_by_issuer",
                &[("subject", &cert.tbs_certificate.subject.to_string()), ("issuer", &subject)],
            )
        })?;
        valid_at(issuer, self.at)
    }
}
