//! What every alert of this installation is framed by, whatever it shows:
//! the time zone people read times in, and the web inbox's address when
//! there is one (`[web] base_url`), so that every alert links to its mention
//! there. Built once from the config; never read from a mention.

use chrono_tz::Tz;
use url::Url;

use crate::config::Config;

#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// `[daemon] timezone`.
    pub tz: Tz,
    /// `[web] base_url`, when the inbox is reachable for the team.
    pub inbox: Option<Url>,
}

impl Frame {
    pub fn of(config: &Config) -> Frame {
        Frame {
            tz: config.daemon.timezone,
            inbox: config.web.base_url.clone(),
        }
    }

    /// Times in `tz`, no inbox to link to.
    pub fn local(tz: Tz) -> Frame {
        Frame { tz, inbox: None }
    }

    /// The mention's page in the web inbox.
    pub fn mention_url(&self, id: i64) -> Option<String> {
        let base = self.inbox.as_ref()?;
        base.join(&format!("mentions/{id}")).ok().map(String::from)
    }

    /// The inbox listing one watch's open negative mentions (a spike's list).
    pub fn negatives_url(&self, watch: &str) -> Option<String> {
        let mut u = self.inbox.clone()?;
        u.query_pairs_mut()
            .append_pair("watch", watch)
            .append_pair("sentiment", "negative")
            .append_pair("state", "open");
        Some(u.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_into_the_inbox_under_its_base() {
        let mut f = Frame::local(chrono_tz::UTC);
        assert_eq!(f.mention_url(7), None);
        f.inbox = Url::parse("https://earshot.example.nl/team/").ok();
        assert_eq!(
            f.mention_url(7).as_deref(),
            Some("https://earshot.example.nl/team/mentions/7")
        );
        assert_eq!(
            f.negatives_url("a&b").as_deref(),
            Some("https://earshot.example.nl/team/?watch=a%26b&sentiment=negative&state=open")
        );
    }
}
