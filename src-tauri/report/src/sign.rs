//! Signatures: the report's PAdES baseline B-B signature (an incremental
//! update that adds a signature field whose CMS covers the whole file but
//! the signature itself), and detached CMS signatures over other bytes (the
//! package manifest). The firm's key and certificate come from a PKCS#12
//! file; RSA, ECDSA P-256 and ECDSA P-384 keys are supported, and a
//! certificate not meant for signing documents is refused before anything
//! is signed.
//!
//! No maintained, permissively licensed crate signs PDFs, so the few parts
//! are put together here from RustCrypto's CMS builder and lopdf.
//!
//! Secrets: the private key's bytes are held in `Zeroizing` buffers and the
//! keys themselves zero their memory when dropped (RustCrypto's keys do);
//! nothing here prints them (`Debug` shows the subject only). RSA signs
//! with blinding (`sign_with_rng`), against timing attacks on the private
//! key (docs/security.md, RUSTSEC-2023-0071).

use cms::builder::SignerInfoBuilder;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::ContentInfo;
use cms::signed_data::{
    CertificateSet, DigestAlgorithmIdentifiers, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfos,
};
use const_oid::db::rfc5911::{ID_AA_SIGNING_CERTIFICATE_V_2, ID_DATA, ID_SIGNED_DATA, ID_SIGNING_TIME};
use const_oid::db::rfc5912::{ID_EC_PUBLIC_KEY, ID_SHA_256, ID_SHA_384, RSA_ENCRYPTION, SECP_256_R_1, SECP_384_R_1};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use lopdf::{dictionary, Document, IncrementalDocument, Object, StringFormat};
use sha2::{Digest, Sha256};
use signature::{Keypair, RandomizedSigner};
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey, SignatureBitStringEncoding};
use workbench_core::error::{FieldProblem, ProblemCode};
use workbench_core::{Error, Result};
use x509_cert::attr::Attribute;
use x509_cert::builder::Builder;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::verify::pki::Hash;

/// Room for the CMS signature in the PDF, in bytes: an RSA-4096 signature
/// with a chain of a few certificates fits with room to spare.
const SIGNATURE_ROOM: usize = 16 * 1024;

/// A key and its certificate chain (leaf first), read from PKCS#12.
pub struct SigningIdentity {
    key: SigningKey,
    chain: Vec<Vec<u8>>,
    /// The leaf certificate's subject, for people.
    pub subject: String,
}

impl std::fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is never printed.
        f.debug_struct("SigningIdentity").field("subject", &self.subject).finish_non_exhaustive()
    }
}

/// The private key; each kind zeroes its memory when dropped.
enum SigningKey {
    Rsa(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

/// A PKCS#12 file whose key or certificate cannot be signed with.
fn certificate_refusal(message: impl Into<String>) -> Error {
    Error::Invalid { problems: vec![FieldProblem::new("certificate", ProblemCode::Certificate, &[], message.into())] }
}

fn key_refusal(what: &str, detail: impl std::fmt::Display) -> Error {
    certificate_refusal(format!("{what}: {detail}"))
}

fn sign_error(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::invalid("signature", format!("{what}: {detail}"))
}

impl SigningIdentity {
    /// Reads a PKCS#12 file's first key and its chain. A wrong passphrase,
    /// a file without a key, a key other than RSA, P-256 or P-384, or a
    /// certificate not meant for signing documents is refused with a
    /// message that says which.
    pub fn from_pkcs12(bytes: &[u8], passphrase: &str) -> Result<SigningIdentity> {
        let store = p12_keystore::KeyStore::from_pkcs12(bytes, passphrase).map_err(|e| {
            let message = format!("the PKCS#12 file could not be opened (wrong passphrase, or not PKCS#12): {e}");
            Error::Invalid { problems: vec![FieldProblem::new("passphrase", ProblemCode::Passphrase, &[], message)] }
        })?;
        let (_, entry) =
            store.private_key_chain().ok_or_else(|| certificate_refusal("the PKCS#12 file holds no private key"))?;
        // Our copy of the key's bytes is zeroed when dropped; the PKCS#12
        // library's own copy cannot be reached (docs/security.md).
        let key_der = Zeroizing::new(entry.key().to_vec());
        let chain: Vec<Vec<u8>> = entry.chain().iter().map(|c| c.as_der().to_vec()).collect();
        let leaf = chain.first().ok_or_else(|| certificate_refusal("the PKCS#12 file holds no certificate"))?;
        let leaf = Certificate::from_der(leaf).map_err(|e| key_refusal("the certificate cannot be read", e))?;
        if let Some(refusal) = crate::verify::pki::signing_refusal(&leaf) {
            return Err(certificate_refusal(refusal.english()));
        }
        let info = rsa::pkcs8::PrivateKeyInfo::try_from(key_der.as_slice())
            .map(|k| (k.algorithm.oid, k.algorithm.parameters_oid().ok()))
            .map_err(|e| key_refusal("the private key cannot be read", e))?;
        let key = match info {
            (RSA_ENCRYPTION, _) => {
                use rsa::pkcs8::DecodePrivateKey;
                let key = rsa::RsaPrivateKey::from_pkcs8_der(&key_der).map_err(|e| key_refusal("the RSA key", e))?;
                SigningKey::Rsa(Box::new(rsa::pkcs1v15::SigningKey::<Sha256>::new(key)))
            }
            (ID_EC_PUBLIC_KEY, Some(SECP_256_R_1)) => {
                use p256::pkcs8::DecodePrivateKey;
                SigningKey::P256(
                    p256::ecdsa::SigningKey::from_pkcs8_der(&key_der).map_err(|e| key_refusal("the P-256 key", e))?,
                )
            }
            (ID_EC_PUBLIC_KEY, Some(SECP_384_R_1)) => {
                use p384::pkcs8::DecodePrivateKey;
                SigningKey::P384(
                    p384::ecdsa::SigningKey::from_pkcs8_der(&key_der).map_err(|e| key_refusal("the P-384 key", e))?,
                )
            }
            (oid, _) => {
                return Err(certificate_refusal(format!(
                    "the key's algorithm {oid} is not supported; use an RSA, ECDSA P-256 or P-384 key"
                )))
            }
        };
        // The certificate must be the key's, or validators reject the signature.
        let key_spki = match &key {
            SigningKey::Rsa(k) => k.verifying_key().as_ref().to_public_key_der(),
            SigningKey::P256(k) => k.verifying_key().to_public_key_der(),
            SigningKey::P384(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(|e| key_refusal("the public key", e))?;
        let cert_spki =
            leaf.tbs_certificate.subject_public_key_info.to_der().map_err(|e| key_refusal("the certificate", e))?;
        if key_spki.as_bytes() != cert_spki.as_slice() {
            return Err(certificate_refusal("the PKCS#12 file's certificate is not the one of its key"));
        }
        Ok(SigningIdentity { key, chain, subject: leaf.tbs_certificate.subject.to_string() })
    }

    /// The digest this key signs with: SHA-384 for a P-384 key, SHA-256 otherwise.
    fn hash(&self) -> (Hash, const_oid::ObjectIdentifier) {
        match self.key {
            SigningKey::P384(_) => (Hash::Sha384, ID_SHA_384),
            _ => (Hash::Sha256, ID_SHA_256),
        }
    }

    /// A detached CMS SignedData (DER) over the concatenation of `content`,
    /// with the signing-certificate-v2 attribute, the chain, and the
    /// signing time when one is given (PAdES forbids it in the CMS: the
    /// report's time is the signature dictionary's `/M`).
    pub fn sign_detached(&self, content: &[&[u8]], signing_time: Option<std::time::SystemTime>) -> Result<Vec<u8>> {
        let (hash, oid) = self.hash();
        let digest = hash.digest(content);
        let mut rng = rand_core::OsRng;
        let info = Prepared { digest: &digest, digest_oid: oid, chain: &self.chain, signing_time };
        let signer_info = match &self.key {
            SigningKey::Rsa(k) => info.signer_info::<_, rsa::pkcs1v15::Signature>(k.as_ref(), &mut rng)?,
            SigningKey::P256(k) => info.signer_info::<_, p256::ecdsa::DerSignature>(k, &mut rng)?,
            SigningKey::P384(k) => info.signer_info::<_, p384::ecdsa::DerSignature>(k, &mut rng)?,
        };
        info.signed_data(signer_info)
    }
}

/// ESS signing-certificate-v2 (RFC 5035), which PAdES requires: binds the
/// signature to the signer's certificate by its hash.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct IssuerSerial {
    pub issuer: GeneralNames,
    pub serial_number: SerialNumber,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct EssCertIdV2 {
    /// Absent means SHA-256 (the DEFAULT, which DER leaves out).
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    /// Certificate policies, which this workbench never writes.
    #[asn1(optional = "true")]
    pub policies: Option<Any>,
}

fn signing_certificate_v2(cert_der: &[u8]) -> Result<Attribute> {
    let der_error = |e: der::Error| sign_error("signing-certificate-v2", e);
    let cert = Certificate::from_der(cert_der).map_err(der_error)?;
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(Sha256::digest(cert_der).to_vec()).map_err(der_error)?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(cert.tbs_certificate.issuer.clone())],
                serial_number: cert.tbs_certificate.serial_number.clone(),
            }),
        }],
        policies: None,
    };
    let mut values = SetOfVec::new();
    values.insert(Any::encode_from(&value).map_err(der_error)?).map_err(der_error)?;
    Ok(Attribute { oid: ID_AA_SIGNING_CERTIFICATE_V_2, values })
}

/// What one detached signature is made of, before the key signs it.
struct Prepared<'a> {
    digest: &'a [u8],
    digest_oid: const_oid::ObjectIdentifier,
    chain: &'a [Vec<u8>],
    signing_time: Option<std::time::SystemTime>,
}

/// A detached signature's content info: data, not carried in the signature.
fn detached() -> EncapsulatedContentInfo {
    EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None }
}

impl Prepared<'_> {
    fn signer_info<S, Sig>(&self, signer: &S, rng: &mut rand_core::OsRng) -> Result<cms::signed_data::SignerInfo>
    where
        S: Keypair + DynSignatureAlgorithmIdentifier + RandomizedSigner<Sig>,
        Sig: SignatureBitStringEncoding,
    {
        let cms_error = |e: cms::builder::Error| sign_error("CMS", format!("{e:?}"));
        let der_error = |e: der::Error| sign_error("CMS", e);
        let leaf_der =
            self.chain.first().ok_or_else(|| Error::invalid("certificate", "no certificate to sign with"))?;
        let leaf = Certificate::from_der(leaf_der).map_err(der_error)?;
        let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: leaf.tbs_certificate.issuer.clone(),
            serial_number: leaf.tbs_certificate.serial_number.clone(),
        });
        let digest_algorithm = AlgorithmIdentifierOwned { oid: self.digest_oid, parameters: None };
        // content-type and message-digest are added by the builder.
        let content = detached();
        let mut builder =
            SignerInfoBuilder::new(signer, sid, digest_algorithm, &content, Some(self.digest)).map_err(cms_error)?;
        builder.add_signed_attribute(signing_certificate_v2(leaf_der)?).map_err(cms_error)?;
        if let Some(at) = self.signing_time {
            let time = x509_cert::time::Time::try_from(at).map_err(der_error)?;
            let mut values = SetOfVec::new();
            values.insert(Any::from_der(&time.to_der().map_err(der_error)?).map_err(der_error)?).map_err(der_error)?;
            builder.add_signed_attribute(Attribute { oid: ID_SIGNING_TIME, values }).map_err(cms_error)?;
        }
        // The randomized signer blinds RSA (and adds entropy to ECDSA's nonce).
        builder.build_with_rng::<Sig>(rng).map_err(|e| sign_error("CMS", format!("{e:?}")))
    }

    fn signed_data(&self, signer_info: cms::signed_data::SignerInfo) -> Result<Vec<u8>> {
        let der_error = |e: der::Error| sign_error("CMS", e);
        let certificates = self
            .chain
            .iter()
            .map(|c| Certificate::from_der(c).map(CertificateChoices::Certificate))
            .collect::<der::Result<Vec<_>>>()
            .map_err(der_error)?;
        let digest_algorithm = AlgorithmIdentifierOwned { oid: self.digest_oid, parameters: None };
        let data = SignedData {
            version: cms::content_info::CmsVersion::V1,
            digest_algorithms: DigestAlgorithmIdentifiers::try_from(vec![digest_algorithm]).map_err(der_error)?,
            encap_content_info: detached(),
            certificates: Some(CertificateSet::try_from(certificates).map_err(der_error)?),
            crls: None,
            signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(der_error)?,
        };
        let content = Any::encode_from(&data).map_err(der_error)?;
        ContentInfo { content_type: ID_SIGNED_DATA, content }.to_der().map_err(der_error)
    }
}

/// Signs a PDF: appends an incremental update with an invisible signature
/// field on the first page, whose `/Contents` is a CMS over every byte of
/// the file but itself (ETSI.CAdES.detached). `signed_at` is the PDF date
/// of the signature (`D:YYYYMMDDHHmmSS+00'00'`).
pub fn sign_pdf(pdf: Vec<u8>, identity: &SigningIdentity, signed_at: &str, signer_name: &str) -> Result<Vec<u8>> {
    let pdf_error = |e: lopdf::Error| sign_error("the PDF cannot be prepared for signing", e);
    let previous = Document::load_mem(&pdf).map_err(pdf_error)?;
    let previous_len = pdf.len();
    let catalog_id = previous.trailer.get(b"Root").and_then(Object::as_reference).map_err(pdf_error)?;
    let page_id = *previous
        .get_pages()
        .get(&1)
        .ok_or_else(|| Error::invalid("pdf", "the PDF has no page to hold the signature field"))?;
    let mut update = IncrementalDocument::create_from(pdf, previous);
    let placeholder: i64 = 9_999_999_999;
    let doc = &mut update.new_document;
    let signature_id = doc.add_object(dictionary! {
        "Type" => "Sig",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => "ETSI.CAdES.detached",
        "ByteRange" => vec![Object::Integer(0), placeholder.into(), placeholder.into(), placeholder.into()],
        "Contents" => Object::String(vec![0u8; SIGNATURE_ROOM], StringFormat::Hexadecimal),
        "M" => Object::string_literal(signed_at),
        "Name" => Object::String(utf16_text(signer_name), StringFormat::Literal),
    });
    let field_id = doc.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => Object::string_literal("Signature1"),
        "V" => signature_id,
        "Rect" => vec![Object::Integer(0); 4],
        "F" => 132,
        "P" => page_id,
    });
    update.opt_clone_object_to_new_document(page_id).map_err(pdf_error)?;
    let page = update.new_document.get_dictionary_mut(page_id).map_err(pdf_error)?;
    match page.get_mut(b"Annots") {
        Ok(Object::Array(annotations)) => annotations.push(field_id.into()),
        _ => page.set("Annots", vec![Object::Reference(field_id)]),
    }
    update.opt_clone_object_to_new_document(catalog_id).map_err(pdf_error)?;
    let catalog = update.new_document.get_dictionary_mut(catalog_id).map_err(pdf_error)?;
    catalog.set("AcroForm", dictionary! { "Fields" => vec![Object::Reference(field_id)], "SigFlags" => 3 });
    let mut out = Vec::with_capacity(previous_len + 2 * SIGNATURE_ROOM + 4096);
    update.save_to(&mut out).map_err(|e| sign_error("the signed PDF cannot be written", e))?;

    // Find the placeholders in the appended part, fill in the byte range
    // (padded to its placeholder's width), then hash and sign.
    let find = |needle: &[u8]| {
        out[previous_len..].windows(needle.len()).position(|w| w == needle).map(|i| previous_len + i + needle.len())
    };
    let missing = || Error::invalid("pdf", "the signature placeholder was not written as expected");
    let contents_start = find(b"/Contents<").ok_or_else(missing)? - 1;
    let contents_end = contents_start + 2 + 2 * SIGNATURE_ROOM;
    if out.get(contents_end - 1) != Some(&b'>') {
        return Err(missing());
    }
    let range_start = find(b"/ByteRange[").ok_or_else(missing)? - 1;
    let range_end = range_start + out[range_start..].iter().position(|&c| c == b']').ok_or_else(missing)? + 1;
    let mut range = format!("[0 {contents_start} {contents_end} {}", out.len() - contents_end).into_bytes();
    if range.len() + 1 > range_end - range_start {
        return Err(missing());
    }
    range.resize(range_end - range_start - 1, b' ');
    range.push(b']');
    out[range_start..range_end].copy_from_slice(&range);
    let signature = identity.sign_detached(&[&out[..contents_start], &out[contents_end..]], None)?;
    let hex = hex::encode_upper(&signature);
    if hex.len() > 2 * SIGNATURE_ROOM {
        return Err(Error::invalid("certificate", "the signature with its certificate chain is too large for the PDF"));
    }
    out[contents_start + 1..contents_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// A PDF text string in UTF-16BE with its byte-order mark, for names in
/// any script.
fn utf16_text(text: &str) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

/// The PDF date of a UTC time.
pub fn pdf_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("D:%Y%m%d%H%M%S+00'00'").to_string()
}
