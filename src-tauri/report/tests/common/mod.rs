//! What the report crate's tests share: the demo engagement and its report
//! model, throwaway certificates made with `openssl` for each run, and zip
//! archives written byte by byte, so that hostile packages (duplicate
//! names, lying sizes, deflate bombs) are built at test time.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

pub mod rawzip;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, TimeZone, Utc};
use workbench_core::api;
use workbench_core::api::IntakeFile;
use workbench_core::model::event::{Actor, Context, FixedClock};
use workbench_core::model::evidence::{EvidenceKind, EvidenceLink, EvidenceMeta, LinkKind};
use workbench_core::model::report::ReportModel;
use workbench_report::{render, Lang};

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub clock: FixedClock,
    pub actor: Actor,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
            clock: FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 20, 1, 0, 0).unwrap()),
            actor: Actor::new("山田 太郎"),
        }
    }
    pub fn ctx(&self) -> Context<'_> {
        Context { actor: &self.actor, clock: &self.clock }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    /// The demo engagement with one evidence item, finalized or open;
    /// `before_finalizing` may change it first (through the API).
    pub fn engagement_with(&self, finalized: bool, before_finalizing: impl FnOnce(&Path, Context<'_>)) -> PathBuf {
        let file = self.path(if finalized { "final.ismap" } else { "open.ismap" });
        if !file.exists() {
            api::create_demo(&file, "report-test".into(), self.ctx()).unwrap();
            // One evidence item, so that the index and the evidence manifest have an entry.
            let scan = self.write("特権ID管理手順書.txt", "特権IDの申請と承認の手順".as_bytes());
            let meta = EvidenceMeta {
                title: "特権ID管理手順書".into(),
                description: String::new(),
                kind: EvidenceKind::Document,
                obtained_from: "情報システム部".into(),
                obtained_by: "佐藤 花子".into(),
                obtained_at: None,
                as_of: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
            };
            let link = EvidenceLink { kind: LinkKind::Procedure, id: "9.2.3.11.PB/P1".into() };
            api::add_evidence(&file, &[IntakeFile { path: scan, meta }], &[link], self.ctx(), &mut |_| true).unwrap();
            before_finalizing(&file, self.ctx());
            if finalized {
                workbench_core::sample::perform_and_finalize(&file, &self.clock).unwrap();
            }
        }
        file
    }
    pub fn model(&self, file: &Path) -> ReportModel {
        api::report_model(file, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), self.ctx()).unwrap()
    }
    /// The report of the finalized demo (or the open one), as PDF bytes.
    pub fn report(&self, finalized: bool, lang: Lang) -> (Vec<u8>, usize) {
        let file = self.engagement_with(finalized, |_, _| {});
        let model = self.model(&file);
        assert_eq!(model.is_final, finalized);
        let report = render(&model, lang).unwrap();
        (report.pdf, report.pages)
    }
}

pub fn run(program: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is installed by scripts/setup.sh: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// pyHanko: scripts/setup.sh installs it in the repository's .tools; PATH may have it too.
pub fn pyhanko() -> String {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/pyhanko/bin/pyhanko");
    if local.exists() {
        local.display().to_string()
    } else {
        "pyhanko".into()
    }
}

/// Certificates made with `openssl` in a folder of their own: keys, roots
/// and certificates issued with `openssl ca`, which can set any validity
/// period and signature options, and PKCS#12 files (passphrase `s3cret`).
pub struct Pki {
    pub dir: PathBuf,
}

/// Extensions of the certificates the tests make, by section name.
const EXTENSIONS: &str = "\
[req]\ndistinguished_name=dn\n[dn]\n\
[ca]\ndefault_ca=ca_conf\n\
[ca_conf]\ndir=.\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=ca_policy\nunique_subject=no\ncopy_extensions=none\n\
[ca_policy]\ncommonName=supplied\norganizationName=optional\n\
[ca_ext]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
[ca_pathlen0]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n\
[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
[leaf_docsign]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection,1.3.6.1.5.5.7.3.36\n\
[tls_server]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyEncipherment\nextendedKeyUsage=serverAuth\n\
[tls_signing]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n";

impl Pki {
    pub fn new(dir: PathBuf) -> Pki {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ext.cnf"), EXTENSIONS).unwrap();
        std::fs::write(dir.join("index.txt"), "").unwrap();
        std::fs::write(dir.join("serial"), "1000\n").unwrap();
        Pki { dir }
    }
    pub fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("openssl is installed by scripts/setup.sh");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    /// A key: `rsa:2048`, `ec:P-256` or `ec:P-384`.
    pub fn key(&self, name: &str, spec: &str) {
        let out = format!("{name}.key");
        match spec.split_once(':') {
            Some(("ec", curve)) => {
                let curve = format!("ec_paramgen_curve:{curve}");
                self.openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", &curve, "-out", &out]);
            }
            _ => {
                let bits = format!("rsa_keygen_bits:{}", spec.trim_start_matches("rsa:"));
                self.openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", &bits, "-out", &out]);
            }
        }
    }
    /// A certificate for `name` (whose key exists) issued by `issuer` (or
    /// self-signed when `issuer` is `name`), with the extensions of
    /// `section`, the digest `md`, any `-sigopt` options, valid from `start`
    /// to `end` (YYYYMMDDHHMMSSZ).
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        &self,
        name: &str,
        subject: &str,
        issuer: &str,
        section: &str,
        md: &str,
        sigopts: &[&str],
        start: &str,
        end: &str,
    ) {
        let (key, csr, pem) = (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"));
        self.openssl(&["req", "-new", "-key", &key, "-out", &csr, "-subj", subject, "-config", "ext.cnf"]);
        let issuer_key = format!("{issuer}.key");
        let issuer_pem = format!("{issuer}.pem");
        let mut args = vec![
            "ca",
            "-batch",
            "-config",
            "ext.cnf",
            "-in",
            &csr,
            "-out",
            &pem,
            "-keyfile",
            &issuer_key,
            "-md",
            md,
            "-startdate",
            start,
            "-enddate",
            end,
            "-extfile",
            "ext.cnf",
            "-extensions",
            section,
            "-notext",
        ];
        if issuer == name {
            args.push("-selfsign");
        } else {
            args.extend(["-cert", &issuer_pem]);
        }
        for opt in sigopts {
            args.extend(["-sigopt", opt]);
        }
        self.openssl(&args);
    }
    /// A PKCS#12 file of `name`'s key and certificate with `chain` (PEM files).
    pub fn p12(&self, name: &str, chain: &[&str]) -> Vec<u8> {
        let (key, pem, p12) = (format!("{name}.key"), format!("{name}.pem"), format!("{name}.p12"));
        let bundle = format!("{name}-chain.pem");
        let mut all = Vec::new();
        for c in chain {
            all.extend(std::fs::read(self.dir.join(c)).unwrap());
        }
        std::fs::write(self.dir.join(&bundle), all).unwrap();
        let mut args = vec!["pkcs12", "-export", "-inkey", &key, "-in", &pem, "-out", &p12, "-passout", "pass:s3cret"];
        if !chain.is_empty() {
            args.extend(["-certfile", &bundle]);
        }
        self.openssl(&args);
        std::fs::read(self.dir.join(p12)).unwrap()
    }
    /// The PKCS#12 file made for `name` by [`Pki::p12`].
    pub fn p12_bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(format!("{name}.p12"))).unwrap()
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
    /// An NSS database trusting `ca.pem`, for pdfsig.
    pub fn nss(&self) -> String {
        let db = self.dir.join("nss");
        std::fs::create_dir_all(&db).unwrap();
        let spec = format!("sql:{}", db.display());
        let (ok, out) = run("certutil", &["-d", &spec, "-N", "--empty-password"]);
        assert!(ok, "{out}");
        let ca = self.path("ca.pem");
        let (ok, out) =
            run("certutil", &["-d", &spec, "-A", "-n", "test-ca", "-t", "CT,C,C", "-i", ca.to_str().unwrap()]);
        assert!(ok, "{out}");
        spec
    }
}

/// The usual validity starts before the fixture's clock (2026-11-20) and
/// ends a year after the real now, so that the signing time a package
/// states and the time pdfsig and pyHanko judge at are both within it.
pub const FROM: &str = "20260101000000Z";

pub fn until() -> String {
    (Utc::now() + chrono::Duration::days(365)).format("%Y%m%d%H%M%SZ").to_string()
}
