//! The real SMTP server the alert tests send to: Debian's aiosmtpd running
//! `tests/support/smtp_sink.py`, which writes each accepted message and its
//! envelope to a folder. Misbehaving mail servers (silent after DATA, closing
//! idle connections) are written per test where they are needed, not here.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// aiosmtpd writing each accepted message to a folder.
pub struct SmtpSink {
    child: Child,
    dir: PathBuf,
}

impl SmtpSink {
    pub fn start(port: u16, dir: &Path) -> SmtpSink {
        SmtpSink::start_slow(port, dir, 0.0)
    }

    /// A sink that takes `delay` seconds to accept each message.
    pub fn start_slow(port: u16, dir: &Path, delay: f64) -> SmtpSink {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg(port.to_string())
            .arg(dir)
            .arg(delay.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start /usr/bin/python3 smtp_sink.py (Debian python3-aiosmtpd)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("sink output");
        assert_eq!(line.trim(), "ready", "smtp sink did not start");
        SmtpSink {
            child,
            dir: dir.to_path_buf(),
        }
    }

    /// The raw messages received so far, in order.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        names.retain(|p| p.extension().is_some_and(|e| e == "eml"));
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read(p).expect("read eml"))
            .collect()
    }

    pub fn envelope(&self, n: usize) -> serde_json::Value {
        let p = self.dir.join(format!("{n:04}.json"));
        serde_json::from_slice(&std::fs::read(p).expect("envelope")).expect("json")
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
