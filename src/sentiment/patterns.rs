//! Negative-sentiment patterns: the complaints that carry no sentiment word
//! ("al 3 uur in de wacht", "still no reply", "pakket nog steeds niet
//! bezorgd", "cancel my subscription"), as built-in packs per language, plus
//! a watch's own patterns and words ([`CustomRules`]). One pack is the
//! opposite: a resolution ("fixed my problem", "storing is opgelost") is a
//! thank-you, not a complaint, so it adds positive valence.
//!
//! Built-in patterns are written in lowercase and run on the lowercased
//! text; the gap between two key phrases is "anywhere in the same sentence"
//! (`[^.!?\n]*?`), which compiles far smaller than a bounded `.{0,40}`. `\b` is the ASCII word boundary so the fast DFA also runs on texts
//! with emoji.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::{Regex, RegexSet};

use super::Lang;

/// One built-in pattern: a name shown in reasons, its regex, and the
/// valence it adds (VADER scale, about one strong negative word).
struct Spec {
    name: &'static str,
    regex: &'static str,
    valence: f32,
    /// Literals of which at least one must occur before the regex runs: a
    /// cheap gate for patterns that open with common words ("al", "a", "2").
    needs: &'static [&'static str],
}

/// A duration worth complaining about: a quarter of an hour or more, or
/// any number of hours, days, weeks or months ("5 minuten" is not a wait).
const DURATION_NL: &str = r"((1[5-9]|[2-9]\d|\d{3,})\s*(min|minuten|minuut)|(twintig|dertig|veertig|vijftig|zestig|negentig) (min|minuten)|(een |half |drie )?kwartier|(\d+|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig|dertig|veertig|anderhalf|half|ruim een|meer dan een|paar)\s*(uur|uren|u|dag|dagen|week|weken|maand|maanden))";
const DURATION_EN: &str = r"((1[5-9]|[2-9]\d|\d{3,})\+?\s*(mins?|minutes?)|(fifteen|twenty|thirty|forty|forty-five|fifty|sixty|ninety) (mins?|minutes?)|(\d+|an|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|forty|several|many|few|couple of)\+?\s*(hours?|hrs?|h|days?|weeks?|months?))";

/// A built-in pattern ready to compile: regex, name, valence, gate.
type Compiled = (String, &'static str, f32, &'static [&'static str]);

fn nl_specs() -> Vec<Compiled> {
    let specs = [
        Spec {
            name: "waiting",
            regex: r"\b(in de wacht|wacht(en|tijd|rij)?|gewacht|aan de lijn)\b[^.!?\n]*?\b#D\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "waiting",
            regex: r"\b(al|nu al|ruim|inmiddels)\s+#D\b[^.!?\n]*?\b(in de wacht|wacht|wachten|gewacht|aan de lijn|niks|niets|geen)\b",
            valence: -2.0,
            needs: &["wacht", "lijn", "niks", "niets", "geen"],
        },
        Spec {
            name: "waiting",
            regex: r"\b#D\b[^.!?\n]*?\b(in de wacht|gewacht|wachten|aan de lijn|in de rij|in de wachtrij|gestaan|gezeten|gehangen)\b",
            valence: -2.0,
            needs: &["wacht", "lijn", "rij", "gestaan", "gezeten", "gehangen"],
        },
        Spec {
            name: "waiting",
            regex: r"\b(nog steeds|nog altijd|sta|zit|hang|hangen|staan|zitten) (\w+ ){0,2}(in de wacht|te wachten|aan het wachten)\b",
            valence: -2.0,
            needs: &["wacht"],
        },
        Spec {
            name: "no-response",
            regex: r"\b(geen|niks|niets|nooit)\s+(\w+\s+){0,2}(reactie|antwoord|terugkoppeling|respons|bericht terug|mail terug|teruggebeld|gereageerd|beantwoord)\b",
            valence: -2.0,
            needs: &[
                "reactie",
                "antwoord",
                "terugkoppeling",
                "respons",
                "bericht",
                "mail",
                "teruggebeld",
                "gereageerd",
                "beantwoord",
            ],
        },
        Spec {
            name: "no-response",
            regex: r"\b(niks|niets|nooit meer|nooit)\s+(meer\s+)?(van\s+\w+\s+)?gehoord\b",
            valence: -2.0,
            needs: &["gehoord"],
        },
        Spec {
            name: "no-response",
            regex: r"\b(reageren|reageert|antwoorden|antwoordt|belt|bellen) (\w+ ){0,2}(niet|nooit)\b|\b(neemt|nemen) (de telefoon )?niet op\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "delivery",
            regex: r#"\b(staat|stond|volgens (de )?(track( (&|en) )?trace|app)) (\w+ ){0,3}(als |op )?["'“”‘’]?(bezorgd|afgeleverd|geleverd)\b.{0,40}\b(niet|niks|niets|geen)\b"#,
            valence: -1.8,
            needs: &["bezorgd", "afgeleverd", "geleverd"],
        },
        Spec {
            name: "delivery",
            regex: r"\b(pakket|pakketje|bestelling|zending|order|levering|bezorging|brief)\b[^.!?\n]*?\b(niet|nooit|nog steeds niet|nog altijd niet)\s+(\w+\s+)?(bezorgd|geleverd|aangekomen|ontvangen|binnen|verstuurd|verzonden)\b",
            valence: -2.0,
            needs: &[
                "bezorgd",
                "geleverd",
                "aangekomen",
                "ontvangen",
                "binnen",
                "verstuurd",
                "verzonden",
            ],
        },
        Spec {
            name: "delivery",
            regex: r"\b(nooit|nog steeds niet|nog altijd niet|niet) (bezorgd|geleverd|aangekomen|ontvangen)\b|\bverkeerd (bezorgd|geleverd|adres)\b|\bbeschadigd (aangekomen|geleverd|ontvangen|bezorgd)\b|\b(pakket|pakketje|bestelling) (is )?(kwijt|zoek|zoekgeraakt)\b",
            valence: -2.0,
            needs: &[
                "bezorgd",
                "geleverd",
                "aangekomen",
                "ontvangen",
                "adres",
                "beschadigd",
                "kwijt",
                "zoek",
            ],
        },
        Spec {
            name: "outage",
            regex: r"\b(kan|kun|kunnen|krijg) (ik |je |we |u )?(\w+ )?(niet|nog steeds niet|niet meer|alweer niet|weer niet) (meer )?(inloggen|betalen|bellen|internetten|pinnen|verbinden|bestellen|opladen|streamen|kijken|bereiken)\b|\b(is|zijn|was|waren|ging|gaat|weer|alweer|al) (\w+ )?stuk\b|\blange (rij|rijen|wachtrij|wachtrijen|wachttijd|wachttijden)\b",
            valence: -2.0,
            needs: &[
                "inloggen",
                "betalen",
                "bellen",
                "internet",
                "pinnen",
                "verbinden",
                "bestellen",
                "opladen",
                "streamen",
                "kijken",
                "bereiken",
                "stuk",
                "rij",
                "wacht",
            ],
        },
        Spec {
            name: "outage",
            regex: r"\b(storing|storingen|uitval|ligt (er )?(weer |alweer |nog steeds )?(plat|eruit|uit)|doet het (weer |alweer |nog steeds |gewoon )?niet|(werkt|werken) (weer |alweer |nog steeds |gewoon |echt )?niet|(geen|zonder) (internet|wifi|bereik|verbinding|stroom|signaal|tv|beeld|netwerk|water|warm water|gas|airco|verwarming|licht)|platgelegd|eruit gelegen|uitgevallen|rijdt niet|rijden niet|vertraging|vertraagd|(trein|bus|vlucht) (is |valt )?(uit|geannuleerd)|geannuleerd)\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "money",
            regex: r"\b(geld terug|mijn geld|terugbetal\w*|terugstorting|restitutie|dubbel (afgeschreven|betaald|gefactureerd|in rekening gebracht)|te veel (betaald|afgeschreven|gefactureerd|gerekend)|onterecht (afgeschreven|gefactureerd|in rekening)|aanmaning|incassobureau|oplichting|oplichters|compensatie|schadevergoeding|geldverspilling)\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "leaving",
            regex: r"\b(ik stap over|we stappen over|overstappen naar|ga overstappen|(ik )?zeg (mijn|m'n|het|ons|de) \w+ op|opzeggen|opgezegd|laatste keer (dat|bij)|ben er klaar mee|ik ben (er )?klaar mee|ik ben klaar met|weg bij|vertrek bij|klant af|hallo (concurrent|nieuwe provider))\b|\bnooit (meer|weer)([.!?,]|$| (bij|naar|met|via|iets|wat|kopen|bestellen|boeken|vliegen|reizen|terug|klant))",
            valence: -2.2,
            needs: &[],
        },
        Spec {
            name: "letdown",
            regex: r"\b(vie?l(en)?|valt|vallen) (\w+ ){0,3}tegen\b|\btegengevallen\b|\btegenvaller\b|\bniet (aan te raden|de moeite( waard)?|waard)\b|\bzonde van (het|mijn|je|de|ons) (geld|tijd)\b|\b(geld|tijd)verspilling\b|\bkan (een stuk |veel |stukken )?beter\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "broken-promise",
            regex: r"\b(belooft|beloven|beloofd|beloofde|toegezegd|toegezegde) [^.!?\n]*?\b(niet|nooit|geen|niks|niets|nog steeds)\b|\bgebeurt (dus |alleen )?(nooit|niet)\b",
            valence: -1.5,
            needs: &["belo", "toegezegd", "gebeurt"],
        },
        Spec {
            name: "service",
            regex: r"\bvan het kastje naar de muur\b|\b(niet|nergens|slecht) (mee )?geholpen\b|\bklacht (ingediend|indienen)\b|\bik heb een klacht\b|\bniemand (die )?(helpt|reageert|neemt op|weet|kan|wil|belt|komt)\b|\bver te zoeken\b|\bnergens te (bekennen|vinden)\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "exasperation",
            regex: r"\bom (gek|moedeloos|misselijk|kotsmisselijk|wanhopig|razend|horendol|depressief) van te worden\b|\bom (te huilen|te janken|je dood te schamen|je kapot te ergeren)\b|\bte gek voor woorden\b|\bschaam (je|jullie|u)\b|\bwat een (schande|grap|aanfluiting|farce|puinhoop|zooi|drama|ellende|gedoe|amateurs|prutsers|klungels)\b|\b(dit|dat|het) slaat (nergens|kant noch wal) op\b|\b(ben|zijn|word|worden) het (zat|beu|spuugzat|meer dan zat)\b|\b(ik ben|we zijn|ben) (het )?(zat|beu|spuugzat)\b|\bmeer dan zat\b|\bgenoeg is genoeg\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "excess",
            regex: r"\b(veel |veels |wel erg |echt |gewoon )?te (duur|lang|laat|klein|weinig|veel|vol|hoog|kort|druk|warm|koud|zout|zoet|vroeg|langzaam|traag|moeilijk|ingewikkeld|zwaar|vaak|hard|donker|krap|dun|flauw|saai)\b",
            valence: -1.2,
            needs: &[],
        },
        Spec {
            name: "rating-text",
            regex: r"\b([0-3]|nul|een|twee|drie) (uit|op|van de) (5|vijf|10|tien)\b",
            valence: -2.0,
            needs: &["vijf", "tien", " 5", " 10"],
        },
        Spec {
            // Dank voor een schade is sarcasme.
            name: "sarcasm",
            regex: r"\b(bedankt|dank je wel|dankjewel|dank u wel|dank|merci) (\S+ ){0,3}voor (\w+ ){0,2}(kwijtraken|kwijtgeraakte|verliezen|vertraging|annuleren|niks|niets|wachten|slopen|breken|afschrijven|weer een|alweer)\b",
            valence: -2.0,
            needs: &["dank", "merci"],
        },
        Spec {
            name: "why-question",
            regex: r"\b(waarom|hoezo|hoe lang (nog|moet (ik|je|we|u) nog)|hoe vaak (nog|moet))\b[^?\n]*\?",
            valence: -1.0,
            needs: &[],
        },
        Spec {
            name: "rating-text",
            regex: r"\b(nul|geen|één|een|1|halve|twee|2) (ster|sterren|sterretjes)\b",
            valence: -2.0,
            needs: &["ster"],
        },
        Spec {
            name: "letdown",
            regex: r"\bkromme tenen\b|\b(moet|moeten|kan|kunnen) (nog )?(veel|een stuk|flink) beter\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "chasing",
            regex: r"\b(al |nu al |inmiddels )?([3-9]|\d\d+|drie|vier|vijf|zes|tien|meerdere|zoveel|zo vaak) ?(keer|x|maal) (\w+ ){0,3}(gebeld|gemaild|geappt|gevraagd|aangevraagd|contact|geklaagd|teruggestuurd|geprobeerd|langs geweest)\b",
            valence: -2.0,
            needs: &[
                "gebeld",
                "gemaild",
                "geappt",
                "gevraagd",
                "aangevraagd",
                "contact",
                "geklaagd",
                "teruggestuurd",
                "geprobeerd",
                "langs",
            ],
        },
        Spec {
            name: "paid-for",
            regex: r"\b(betaal|betalen|betaald) (\w+ ){0,4}(maar|en) (\w+ ){0,4}(geen|niet|niks|nauwelijks)\b",
            valence: -1.8,
            needs: &["betaal"],
        },
        Spec {
            name: "waiting",
            regex: r"\b(\d+|honderd|tientallen) (wachtenden|mensen voor (je|mij|me|u|ons))\b",
            valence: -2.0,
            needs: &["wachtenden", "mensen voor"],
        },
        Spec {
            name: "delivery",
            regex: r"\b(geen|niet) (\w+ )?(bezorging|bezorgd|levering|geleverd)\b|\b(komt|kwam|komen) (\w+ ){0,2}niet aan\b|\bniet aangekomen\b|\b(koffer|bagage|pakket|tas) (\w+ ){0,3}(niet meegekomen|kwijt|zoek|verloren|vermist)\b",
            valence: -2.0,
            needs: &[
                "bezorg",
                "lever",
                "aan",
                "kwijt",
                "zoek",
                "verloren",
                "vermist",
                "meegekomen",
            ],
        },
        Spec {
            name: "no-show",
            regex: r"\b(niet|nooit) (komen )?(opdagen|opgedaagd|gekomen|langsgekomen|verschenen)\b|\b(nog )?niemand (gezien|gekomen|geweest|verschenen)\b",
            valence: -2.0,
            needs: &[
                "opdagen",
                "opgedaagd",
                "gekomen",
                "verschenen",
                "niemand",
                "langsgekomen",
            ],
        },
        Spec {
            name: "money",
            regex: r"\b(2x|twee keer|dubbel|twee maal|tweemaal) (\w+ ){0,3}(afgeschreven|betaald|gefactureerd|in rekening)\b|\bnog (steeds |altijd )?(geen|niks|niets van (mijn|het)) (geld|terugbetaling|restitutie|vergoeding)\b",
            valence: -2.0,
            needs: &[
                "afgeschreven",
                "betaald",
                "gefactureerd",
                "rekening",
                "geld",
                "terugbetaling",
                "restitutie",
                "vergoeding",
            ],
        },
        Spec {
            name: "no-response",
            regex: r"\b(krijg|krijgen|ontvang|ontvangen) (ik |we |je )?(\w+ )?(geen|niks|niets|nooit) (\w+ )?(mail|e-mail|bericht|reactie|antwoord|sms|code|bevestiging|brief)\b",
            valence: -2.0,
            needs: &[
                "mail",
                "bericht",
                "reactie",
                "antwoord",
                "sms",
                "code",
                "bevestiging",
                "brief",
            ],
        },
        Spec {
            name: "outage",
            regex: r"\b(valt|vallen|viel|vielen) (\w+ ){0,5}(steeds |telkens |constant |weer |alweer |elke dag )?(uit|weg)\b|\b(crasht|crashen|gecrasht|loopt (steeds |telkens |constant )?vast|vastgelopen|bevriest|hapert|haperen)\b",
            valence: -2.0,
            needs: &[
                "uit", "weg", "crash", "vast", "bevriest", "hapert", "haperen",
            ],
        },
        Spec {
            name: "service",
            regex: r"\b(\d+|twee|drie|vier|vijf|zoveel) ?(keer|x) doorverbonden\b|\bverbindt (me |mij |je |ons )?(\w+ )?door\b|\bopgehangen\b|\bhing (\w+ )?op\b|\bverbinding (werd )?verbroken\b",
            valence: -1.8,
            needs: &[
                "doorverbonden",
                "verbindt",
                "opgehangen",
                "hing",
                "verbroken",
            ],
        },
        Spec {
            name: "stuck",
            regex: r"\b(ligt|staat|hangt) (\w+ ){0,3}(al|nu al|inmiddels|sinds) #D\b",
            valence: -1.5,
            needs: &["ligt", "staat", "hangt"],
        },
        Spec {
            name: "delivery",
            regex: r"\b(geleverd|bezorgd|ontvangen|aangekomen|kwam|gekregen) (\w+ ){0,2}zonder\b|\b(ontbreekt|ontbreken|ontbrak|ontbraken)\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "why-question",
            regex: r"^(@\S+ )*waarom (krijg|moet|is|zijn|kan|kunnen|duurt|werkt|doet|heeft|hebben|wordt|worden|staat|gaat)\b",
            valence: -1.0,
            needs: &["waarom"],
        },
        Spec {
            name: "no-explanation",
            regex: r"\b(zonder|geen) (enige |verdere |een |één )?(uitleg|reden|bericht|berichtje|waarschuwing|aankondiging|omroep|excuses|excuus|verklaring|toelichting)\b",
            valence: -1.8,
            needs: &[
                "uitleg",
                "reden",
                "bericht",
                "waarschuwing",
                "aankondiging",
                "omroep",
                "excuus",
                "excuses",
                "verklaring",
                "toelichting",
            ],
        },
        Spec {
            name: "money",
            regex: r"\b(rekening|prijs|prijzen|tarief|tarieven|premie|abonnement|maandbedrag|voorschot) (is |zijn |wordt |worden |gaat |gaan )?(\w+ )?(omhoog|gestegen|verhoogd|verdubbeld|duurder)\b|\bprijsverhoging\b|\bdubbel (geboekt|gefactureerd|afgeschreven|betaald)\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "service",
            regex: r"\bafspraak (\w+ ){0,2}(verzet|geannuleerd|afgezegd|verschoven|vergeten)\b|\b(weigert|weigeren|weigerde|weigerden) (\w+ ){0,3}(te )?(helpen|terugbetalen|vergoeden|uitleggen|vertellen|omruilen)\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "exasperation",
            regex: r"\b(ik )?(snap|begrijp) er (echt )?(niks|niets|geen bal|geen snars) van\b",
            valence: -1.5,
            needs: &[],
        },
        Spec {
            name: "stuck",
            regex: r#"\b(al|nu al|inmiddels|sinds) #D ["'“”‘’]?(in behandeling|onderweg|in de maak|bezig|open|in afwachting|in het sorteercentrum|gesorteerd|verwerkt|in verwerking)\b"#,
            valence: -1.8,
            needs: &[
                "behandeling",
                "onderweg",
                "maak",
                "bezig",
                "open",
                "afwachting",
                "sorteercentrum",
            ],
        },
        Spec {
            name: "no-explanation",
            regex: r"\bzonder (enige )?melding\b|\bnergens (melding|vermeld|gemeld)\b|\bniet (gemeld|aangekondigd|gecommuniceerd|verteld|ge[iï]nformeerd)\b|\bstilzwijgend\b",
            valence: -1.8,
            needs: &[
                "melding",
                "vermeld",
                "gemeld",
                "aangekondigd",
                "gecommuniceerd",
                "verteld",
                "nformeerd",
                "stilzwijgend",
            ],
        },
        Spec {
            name: "no-show",
            regex: r"\bniemand (kwam|is|was) (\w+ )?(opdagen|langs|gekomen|geweest)\b",
            valence: -2.0,
            needs: &["niemand"],
        },
        Spec {
            name: "not-done",
            regex: r"\b(niet|nooit|nog steeds niet|nog altijd niet) (verrekend|verwerkt|doorgevoerd|toegepast|uitbetaald|terugbetaald|teruggestort|geregeld|opgelost|gerepareerd|gemaakt|hersteld|behandeld|aangepast|gecorrigeerd)\b",
            valence: -1.8,
            needs: &[
                "verrekend",
                "verwerkt",
                "doorgevoerd",
                "toegepast",
                "uitbetaald",
                "terugbetaald",
                "teruggestort",
                "geregeld",
                "opgelost",
                "gerepareerd",
                "gemaakt",
                "hersteld",
                "behandeld",
                "aangepast",
                "gecorrigeerd",
            ],
        },
        Spec {
            name: "money",
            regex: r"\b(wel|toch) (\w+ ){0,3}(afgeschreven|af van mijn rekening|van mijn rekening af)\b|\b(kosten|verzendkosten|administratiekosten|servicekosten) (zijn |waren )?(hoger|meer) dan\b",
            valence: -1.8,
            needs: &["afgeschreven", "rekening", "kosten"],
        },
        Spec {
            name: "transport",
            regex: r"\b(reed|reden|rijdt|rijden) (\w+ ){0,2}(voorbij|door)\b|\b(halte|station|stop) (\w+ )?overgeslagen\b|\b(overvol|propvol|geen zitplaats(en)?|moest (\w+ ){0,2}staan)\b",
            valence: -1.8,
            needs: &[
                "voorbij",
                "door",
                "overgeslagen",
                "overvol",
                "propvol",
                "zitplaats",
                "staan",
            ],
        },
        Spec {
            name: "quality",
            regex: r"\b(over de (houdbaarheids)?datum|beschimmeld|bedorven|tweedehands terwijl)\b|\b(neergegooid|gesmeten|over het hek gegooid)\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "waiting",
            regex: r"\bpas na #D\b",
            valence: -1.8,
            needs: &["pas na"],
        },
        Spec {
            name: "delivery",
            regex: r"\b(afgeleverd|bezorgd|geleverd) (bij|op|aan) (een |het |de )?(verkeerd|verkeerde|ander|onbekend|niet bestaand)",
            valence: -1.8,
            needs: &["afgeleverd", "bezorgd", "geleverd"],
        },
        Spec {
            name: "repeat",
            regex: r"\b(alweer|weer eens|zoveelste|(voor )?de ([2-9]e|\d\d+e|tweede|derde|vierde|vijfde|zesde|zoveelste) keer|([2-9]e|tweede|derde|vierde|vijfde) (keer|dag|week|maand))\b",
            valence: -0.8,
            needs: &[],
        },
        Spec {
            name: "letdown",
            regex: r"\b(had|hadden) (er |ik |we |het )?(\w+ ){0,3}(meer|beter|anders) (van )?verwacht\b|\bniet wat (ik|we|je) (had |hadden )?(verwacht|verwachtte|hoopte|gehoopt)\b|\b(veel|meer) van verwacht\b|\bslechter kan (het )?(echt )?niet\b|\bkan (echt )?niet slechter\b|\bgaat (echt |helemaal |werkelijk )?nergens over\b|\bgeen doorkomen aan\b|\bniet doorheen te komen\b|\b(kom|komt|kwam|komen|kwamen) er (\w+ )?niet doorheen\b|\b(helemaal |echt )?niks aan\b",
            valence: -2.0,
            needs: &[
                "verwacht",
                "hoopte",
                "gehoopt",
                "slechter",
                "nergens",
                "doorkomen",
                "doorheen",
                "niks aan",
            ],
        },
        Spec {
            name: "leaving",
            regex: r"\b(kom|komen|ga|gaan|zien) (ik |we |wij |ze |jullie |ons |me |mij )?(hier |er |daar )?niet (meer )?(terug|terugzien)\b|\bniet meer (terug|heen|naartoe|bestellen|kopen|boeken)\b",
            valence: -2.0,
            needs: &["niet terug", "niet meer"],
        },
        Spec {
            name: "returning",
            regex: r"\b(terugsturen|terugstuur|teruggestuurd|retourneren|retourneer|geretourneerd|retour (gestuurd|gezonden|sturen)|terugbrengen|teruggebracht)\b|\b(stuur|breng|stuurde|bracht) (het|hem|ze|dit|alles) (\w+ )?terug\b",
            valence: -2.0,
            needs: &["terug", "retour"],
        },
        Spec {
            name: "warning",
            regex: r"\bniet (kopen|bestellen|boeken)\b|\bkoop (het|dit|hem|deze|ze) niet\b|\b(blijf|blijft|wegblijven) (er |hier |daar )?(ver )?(weg|vandaan|uit de buurt)\b|\b(mijden|vermijden|vermijd)\b|\bbespaar (je|jezelf|uzelf) de moeite\b|\bniet in (trappen|trapt|getrapt)\b",
            valence: -2.0,
            needs: &[
                "niet kopen",
                "niet bestellen",
                "niet boeken",
                "koop ",
                "blijf",
                "blijv",
                "mijd",
                "bespaar",
                "trapp",
                "trapt",
            ],
        },
        Spec {
            name: "quality",
            regex: r"\b(koud|lauw) (bezorgd|geleverd|aangekomen|geserveerd|opgediend)\b|\b(eten|pizza|friet|patat|maaltijd|soep|bestelling|koffie|burger) (was|waren|is|werd|kwam) (\w+ )?(koud|lauw)\b|\b(geen|weinig|nauwelijks) smaak\b|\bsmaakte (nergens|naar niks|naar niets|naar karton)\b|\b(doet|deed|werkt|werkte) (het )?(\w+ ){0,5}niet meer\b|\b(kapot|stuk) (gegaan )?(na|binnen) \w+ (dag|dagen|week|weken|maand|maanden)\b|\bhoudt (de |zijn |haar )?(batterij|lading) niet\b",
            valence: -1.8,
            needs: &[
                "koud",
                "lauw",
                "smaak",
                "niet meer",
                "kapot",
                "stuk",
                "batterij",
                "lading",
            ],
        },
        Spec {
            name: "concern",
            regex: r"\b(maak|maakt|maken|maakte|maakten) (ik |we |wij )?(me|mij|zich|ons|je) (\w+ )?zorgen\b",
            valence: -1.5,
            needs: &["zorgen"],
        },
        Spec {
            name: "where-is",
            regex: r"\bwaar (blijft|blijven|blijf) (mijn|m'n|de|het|ons|onze|dit|dat|die|jullie|uw)\b",
            valence: -1.8,
            needs: &["waar blijf", "waar blijv"],
        },
        Spec {
            name: "letdown",
            regex: r"\b(vind|vond|vinden|vonden) (ik |we |wij )?(het|dit|dat|hem|ze) (\w+ )?(maar )?(niks|niets)\b|\bgemiste kans\b|\b(hou|houd|houdt) (toch |nou |eens )?op met\b|\bstop (toch |nou |eens )?met (je|jullie|dat|dit|die|dat)\b",
            valence: -1.8,
            needs: &["niks", "niets", "gemiste kans", "op met", "stop"],
        },
        Spec {
            name: "resolved",
            regex: r"\b(probleem|storing|het|alles|dat|melding|klacht) (is |was |werd |wordt |inmiddels |nu |weer |snel |netjes )*(opgelost|verholpen|gefikst|rechtgezet)\b|\b(bedankt|dank|dankjewel|dank je wel|thanks) (\w+ ){0,2}voor het (oplossen|fixen|regelen|verhelpen)\b|\b(doet het|werkt|werken) (nu |eindelijk )?weer( goed| prima| normaal)?\s*([.!,:)]|$)|\bweer (werkt|werken)\s*([.!,:)]|$)",
            valence: 2.0,
            needs: &[
                "weer werk",
                "opgelost",
                "verholpen",
                "gefikst",
                "rechtgezet",
                "oplossen",
                "fixen",
                "regelen",
                "verhelpen",
                "weer",
            ],
        },
        Spec {
            name: "quality",
            regex: r"\b(haar|haren|vlieg|vliegen|beestje|beestjes|kakkerlak|muis|glas|plastic|insect|insecten) in (mijn|m'n|ons|onze|het|de|zijn|haar) (\w+ )?(eten|soep|salade|maaltijd|drankje|sap|koffie|thee|pizza|burger|broodje|bord|gerecht|bestelling|friet|patat|rijst|brood)\b",
            valence: -2.0,
            needs: &[
                " in mijn", " in m'n", " in ons", " in onze", " in het", " in de", " in zijn",
                " in haar",
            ],
        },
        Spec {
            name: "letdown",
            regex: r"\b(eerste en (meteen |ook )?(de )?laatste keer)\b|\b(ondermaats|beneden peil|onder de maat|overschat|overgewaardeerd)\b|\bduim(pje)? (omlaag|naar beneden)\b|\bwat (heb je|heeft u|hebben we|heb ik) (er )?(nou |nu )?aan\b|\bwat is (nou |nu )?het nut\b|\b(ga|gaan) er (\w+ )?niet (heen|naartoe)\b",
            valence: -2.0,
            needs: &[
                "laatste keer",
                "ondermaats",
                "peil",
                "onder de maat",
                "overschat",
                "overgewaardeerd",
                "duim",
                "aan",
                "nut",
                "niet heen",
                "niet naartoe",
            ],
        },
        Spec {
            name: "not-working",
            regex: r"\b(heeft|hebben) (het )?(\w+ )?nooit (goed )?gewerkt\b|\b(werkte|deed het|werkten) (\w+ )?nooit\b|\bwachten,? (en )?wachten\b",
            valence: -2.0,
            needs: &["gewerkt", "nooit", "wachten"],
        },
        Spec {
            name: "not-working",
            regex: r"\b(is |er )?(iets |er iets )?(mis ?gegaan|misgelopen|fout gegaan|fout gelopen)\b|\bniet (meer )?(werkt|werken|werkte|werkten)\b|\b(werkt|werken|werkte) ook niet\b|\b(klopt|kloppen|klopte|klopten) (\w+ ){0,3}niet\b|\b(begrijpt|snapt) (echt |gewoon |helemaal )?(niks|niets)\b",
            valence: -1.8,
            needs: &["mis", "fout", "werk", "klop", "niks", "niets"],
        },
        Spec {
            name: "money",
            regex: r"\b(verhoogt|verhogen|verhoogde|verhoogden) (\w+ ){0,2}(prijs|prijzen|tarief|tarieven|premie|voorschot|abonnement|maandbedrag|kosten)\b|\b(krijg|kreeg|word|werd|worden) (\w+ ){0,4}in rekening gebracht\b|\bgeld is (wel |gewoon |al )?(weg|kwijt|afgeschreven)\b|\bbetaald\b[^.!?\n]*?\b(krijg|kreeg|krijgen|kregen|geen|niks|niets|nooit)\b",
            valence: -1.8,
            needs: &["verhoog", "in rekening", "geld is", "betaald"],
        },
        Spec {
            name: "broken-promise",
            regex: r"\b(afgesproken|beloofd|toegezegd) (was|werd|is)\b|\bzonder (mijn |enige )?(toestemming|akkoord|overleg)\b|\bzonder dat (ik|wij|we) (\w+ ){0,3}(getekend|akkoord|gevraagd|toestemming)\b|\bdat was (al |ruim |meer dan )?#D geleden\b",
            valence: -1.8,
            needs: &["afgesproken", "beloofd", "toegezegd", "zonder", "geleden"],
        },
        Spec {
            name: "delivery",
            regex: r"\b(bezorgt|bezorgen|levert|leveren|bezorgde|leverde) (\w+ ){0,3}niet\b|\bniet besteld\b|\b(komt|kwam|komen|kwamen) (\w+ ){0,2}niet binnen\b|\bover het hek (gooien|gegooid|gesmeten)\b",
            valence: -1.8,
            needs: &["niet", "hek"],
        },
        Spec {
            name: "waiting",
            regex: r"\b(al|nu al|ruim|inmiddels)\s+#D\b[^.!?\n]*?\b(proberen|bellen|zonder|bezig)\b|\bhoe is het mogelijk\b|\bhoe kan het dat\b|\bhoezo (kan|mag|moet|krijg|is|zijn|werkt|heb|wordt|duurt)\b|\bhoe dan\?",
            valence: -1.8,
            needs: &[
                "proberen", "bellen", "zonder", "bezig", "mogelijk", "hoe kan", "hoezo", "hoe dan",
            ],
        },
        Spec {
            name: "no-explanation",
            regex: r"\bgeen (enkele )?informatie\b|\bniemand te (zien|bekennen|bereiken)\b",
            valence: -1.8,
            needs: &["informatie", "niemand te"],
        },
    ];
    specs.into_iter().map(|s| expand(s, DURATION_NL)).collect()
}

fn en_specs() -> Vec<Compiled> {
    let specs = [
        Spec {
            name: "waiting",
            regex: r"\b(on hold|in (the |a )?queue|waiting|waited|been waiting|wait time|wait)\b[^.!?\n]*?\b#D\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "waiting",
            regex: r"\b#D\b[^.!?\n]*?\b(on hold|waiting|in (the |a )?queue|wait)\b",
            valence: -2.0,
            needs: &["hold", "wait", "queue"],
        },
        Spec {
            name: "waiting",
            regex: r"\b(still waiting|still on hold|keeps? me waiting|kept me waiting|left waiting|waiting forever|been on hold)\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "no-response",
            regex: r"\b(still|yet to)\s+(no|not|haven't|havent|have not|hasn't|hasnt|has not|didn't|didnt|did not|nobody|no one)\s+(\w+\s+){0,2}(reply|replied|response|responded|answer|answered|heard|hear|call(ed)? back|get back|got back|contacted|update|refund)\b",
            valence: -2.0,
            needs: &[
                "repl",
                "respon",
                "answer",
                "heard",
                "hear",
                "call",
                "back",
                "contacted",
                "update",
                "refund",
            ],
        },
        Spec {
            name: "no-response",
            regex: r"\bno (reply|response|answer|one (answers|replies|responds|got back|called back|picks up)|callback|call back|update)\b|\bnever (replied|responded|answered|called back|got back|heard back|rang back)\b|\b(ignoring|ignored|ignore) (me|us|my|our)\b|\b(nobody|no one|noone) (answers|answered|replies|replied|responds|responded|helps|helped|got back|picks up|picked up|called|calls|showed up|came)\b|\bleft on read\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "delivery",
            regex: r#"\b(says|said|shows|showed|marked( as)?|shows as|tracking says) ["'“”‘’]?delivered\b|\bdelivered to the wrong\b"#,
            valence: -1.8,
            needs: &["delivered"],
        },
        Spec {
            name: "delivery",
            regex: r"\b(never|still (not|hasn't|hasnt|haven't|has not|hasnt been)|hasn't|hasnt|has not|didn't|didnt|did not|not yet|yet to)\s+(been\s+)?(arrived?|delivered|shipped|received|turned up|showed up|dispatched|come through|gone through|landed)\b",
            valence: -2.0,
            needs: &[
                "arriv",
                "deliver",
                "shipped",
                "received",
                "turned up",
                "showed up",
                "dispatched",
                "come through",
                "gone through",
                "landed",
            ],
        },
        Spec {
            name: "delivery",
            regex: r"\b(package|parcel|order|delivery|shipment|item)\b[^.!?\n]*?\b(missing|lost|late|delayed|damaged|stolen|never (came|arrived))\b|\bwrong (item|order|size|address|product)\b|\bmissed delivery\b|\bdelivered to (a|my|the|some) (neighbou?r|wrong|random)|\b(left|delivered|dropped|sent) (at|to) (the |a )?wrong\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "outage",
            regex: r"\b(down (again|during|since|all (day|morning|night|week)|for (hours|days|\d+)|atm|right now|today)|(is|are|was|went|been) down)\b",
            valence: -2.0,
            needs: &["down"],
        },
        Spec {
            name: "outage",
            regex: r"\b((signal|connection|wifi|internet|service|calls?|line) (has |have |keeps |keep )?(dropped|dropping|cutting out|cut out|gone)|bricked|outage|not working|isn't working|isnt working|aren't working|doesn't work|doesnt work|does not work|didn't work|didnt work|did not work|stopped working|(won't|wont|doesn't|doesnt|does not|will not) (load|work|connect|start|open|turn on|switch on|power on|boot|charge|sync|update|send|pay|log ?in)|keeps? (crashing|freezing|dropping|disconnecting|buffering|restarting|rebooting|failing|glitching|lagging|overheating|(logging|kicking|signing|throwing|booting) (me |us )?out)|no (internet|wifi|signal|service|power|connection|network|water|heating)|can't (log ?in|connect|access|sign in|get through)|cant (log ?in|connect|access|sign in|get through)|cannot (log ?in|connect|access|sign in|get through)|unable to (log ?in|connect|access|sign in|get through)|error message|(flight|train|order|booking) (was |got |has been )?(cancell?ed|delayed)|delayed again)\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "money",
            regex: r"\b(refund|money back|charged (me |us )?(twice|double|two times|2x)|charged (me |us )?(for|a|an) [^.!?\n]*?(didn't|did not|never|even though|although)|double charged|overcharged|charged me|hidden fees?|scam(med)?|rip(ped)?[ -]?off|chargeback|compensation|waste of (money|time)|wasted (my )?(money|time))\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "leaving",
            regex: r"\b(cancel(l?ing)? my (subscription|account|contract|order|membership|plan)|switch(ing)? (providers?|banks?|networks?|away from)|never again|never (going|coming) back|will never (return|go back|use|order|buy|fly|shop)|never (use|using|order|ordering|buy|buying|fly|flying) (\w+ ){0,2}again|won't be (back|returning|using|ordering|coming)|will not be (back|returning|using|ordering|coming)|not (be )?coming back|taking my business elsewhere|i'm done with|im done with|lost a customer|close my account|closing my account)\b",
            valence: -2.2,
            needs: &[],
        },
        Spec {
            name: "letdown",
            regex: r"\bnot worth (it|the|a|your|my)\b|\bat best\b|\b(do not|don't|dont|would not|wouldn't|wouldnt|can't|cannot|could not|couldn't) (buy|order|recommend|bother|waste)\b|\bstay away\b|\bsave your money\b|\bwent downhill\b|\bcould (have been|be) better\b|\b(first|last) and last time\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "broken-promise",
            regex: r"\b(promised|was told|were told|assured|supposed to) [^.!?\n]*?\b(never|nobody|no one|still|not|didn't|hasn't|haven't|wasn't|nothing)\b",
            valence: -1.5,
            needs: &["promised", "told", "assured", "supposed"],
        },
        Spec {
            name: "service",
            regex: r"\b(no help|zero help|no one (helps|cares)|nobody cares|passed (around|from)|transferred (\w+ ){0,2}times|fobbed off|put on hold|sort (it|this) out|sort it out|fix (it|this) (already|now)|what a joke|how hard is it)\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "waiting",
            regex: r"\b(took|takes|taking|take) (us |me |them |him |her )?(over |almost |nearly |about |at least |more than |another )?(an hour|#D|forever|ages)\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "waiting",
            regex: r"\b#D (passed|later)\b",
            valence: -1.8,
            needs: &["passed", "later"],
        },
        Spec {
            name: "leaving",
            regex: r"\b(will not|won't|wont|never|never,? ever|not) (be )?(going |coming )?(back|return|returning|revisit|revisiting|go back|come back|recommend)\b|\b(we're|we are|i am|i'm|im) (so |totally |completely )?done with\b|\bdoubt (i'll|i will|we'll|we will) (be back|return)\b|\b(go|went|going|eat|dine|shop|look) else ?where\b|\btake (my|our) (\w+ ){0,3}else ?where\b|\bwalked out\b|\bgave up and left\b",
            valence: -2.2,
            needs: &[
                "back",
                "return",
                "revisit",
                "recommend",
                "done with",
                "doubt",
                "elsewhere",
                "else where",
                "walked out",
                "gave up",
            ],
        },
        Spec {
            name: "exasperation",
            regex: r"\bget (your|their|ur) (act|stuff|shit|sh\*t) together\b|\b(what a (joke|disgrace|shambles|mess|farce|nightmare|disaster|rip ?off)|shame on (you|them|u)|makes me (sick|angry|furious|mad)|fed up|sick (and tired )?of|had enough|enough is enough|are you (kidding|serious)|you('ve| have)? got to be kidding|absolute (joke|disgrace|shambles))\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "excess",
            regex: r"\b(way |far |much |a bit |bit )?too (expensive|long|slow|small|loud|cold|salty|sweet|late|busy|crowded|noisy|much|many|pricey|dry|greasy|oily|little|short|far|high|tight|complicated|difficult|often|thin|bland|soggy|burnt|overcooked|undercooked)\b",
            valence: -1.2,
            needs: &[],
        },
        Spec {
            name: "rating-text",
            regex: r"\b([0-3]|zero|one|two|three) (out of|outta) (5|five|10|ten)\b",
            valence: -2.0,
            needs: &["out"],
        },
        Spec {
            // Thanks for a harm is sarcasm on its face.
            name: "sarcasm",
            regex: r"\b(thanks|thank you|thx|cheers) (\S+ ){0,3}for (\w+ ){0,2}(losing|breaking|cancell?ing|delaying|ignoring|nothing|wasting|ruining|charging|overcharging|damaging|the delay|the wait|another)\b",
            valence: -2.0,
            needs: &["than", "thx", "cheers"],
        },
        Spec {
            name: "why-question",
            regex: r"\bhow (did|does|do|is|are|can|could) [^?\n]*?\beven\b|\bwhy (oh why|on earth|in (god's|gods|the world) name|in the world)\b|\b(why (is|isn't|isnt|are|aren't|does|doesn't|doesnt|do|don't|dont|did|didn't|didnt|can't|cant|won't|wont|has|hasn't|have|haven't|would|the hell|tf|on earth)|how (many (more )?times|hard|difficult) (does|do|is|will|must|should|can|did)|how long (do i have to|do we have to|must|should|will i have to|am i supposed to|are you going to|is this going to)|why (does|do|is|are) (\w+ ){0,3}keep)\b[^?\n]*\?",
            valence: -1.0,
            needs: &[],
        },
        Spec {
            name: "rating-text",
            regex: r"\b(zero|no|0|one|1|half a|two|2) stars?\b",
            valence: -2.0,
            needs: &["star"],
        },
        Spec {
            name: "letdown",
            regex: r"\b(leaves|left|leave) (a lot|much|something|a great deal) to be desired\b|\b(needs|could use|could do with|in need of) (some |a lot of |a |serious |a complete |major )?(work|improvement|improving|upgrading|overhaul)\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "chasing",
            regex: r"\b([3-9]|\d\d+|three|four|five|several|multiple|many|countless) (times|calls|emails|attempts) (\w+ ){0,3}(called|emailed|tried|asked|chased|contacted|complained)\b|\b(called|emailed|tried|asked|contacted|chased|messaged) (\w+ ){0,2}([3-9]|\d\d+|three|four|five|several|multiple|many|countless) times\b|\b(been|keep) trying to\b",
            valence: -2.0,
            needs: &["times", "calls", "emails", "attempts", "trying"],
        },
        Spec {
            name: "paid-for",
            regex: r"\b(pay|paying|paid) (for )?(\w+ ){0,4}(but|and) (\w+ ){0,4}(no|not|only|never|barely|getting|get|got|receiving)\b|\beven though (i|we) (paid|did|had)\b",
            valence: -1.8,
            needs: &["pay", "paid"],
        },
        Spec {
            name: "no-show",
            regex: r"\b(no[- ]show|never showed( up)?|didn't show( up)?|did not show( up)?|didn't turn up|never turned up|stood (me|us) up)\b",
            valence: -2.0,
            needs: &[],
        },
        Spec {
            name: "no-response",
            regex: r"\b(didn't|did not|don't|do not|never|haven't|have not|still haven't) (get|got|receive|received|gotten) (a |an |any |the |my )?(email|confirmation|code|reply|response|text|call|callback|answer)\b",
            valence: -2.0,
            needs: &[
                "email",
                "confirmation",
                "code",
                "reply",
                "response",
                "text",
                "call",
                "answer",
            ],
        },
        Spec {
            name: "service",
            regex: r"\b(hung up( on)?|line went dead|call (got )?dropped|got disconnected|cut me off)\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "delivery",
            regex: r"\barrived (\w+ )?(with|without|missing|broken|damaged|cracked|dented|opened|late)\b|\b(is|are|was|were) missing\b|\bmissing (half|some|most|items|parts|pieces)\b|\bsent (me |us )?(a |an |the )?(used|broken|damaged|wrong|fake|counterfeit|expired|defective)\b",
            valence: -1.8,
            needs: &["arrived", "missing", "sent"],
        },
        Spec {
            name: "no-explanation",
            regex: r"\b(no|without|with no|without any|zero) (notice|warning|explanation|reason|announcements?|apology|update|heads up|communication|information)\b",
            valence: -1.8,
            needs: &[
                "notice",
                "warning",
                "explanation",
                "reason",
                "announcement",
                "apology",
                "update",
                "heads up",
                "communication",
                "information",
            ],
        },
        Spec {
            name: "money",
            regex: r"\b(bill|price|prices|rate|rates|premium|subscription|fee|fees|plan) (has |have |just )?(gone up|went up|increased|goes up|raised|doubled|jumped)\b|\bprice (hike|increase)\b|\bdouble[- ]booked\b|\boverbooked\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "service",
            regex: r"\bappointment (\w+ ){0,2}(rescheduled|cancell?ed|moved|postponed|missed)\b|\b(won't|will not|wouldn't|would not|refuses? to|refused to) (\w+ ){0,1}(tell|explain|help|refund|respond|answer|fix|replace|honou?r)\b",
            valence: -1.8,
            needs: &[
                "appointment",
                "won't",
                "will not",
                "wouldn't",
                "would not",
                "refuse",
            ],
        },
        Spec {
            name: "exasperation",
            regex: r"\b(makes|made) (absolutely )?no sense\b|\bi (don't|do not|can't|cannot) (understand|figure out) (why|how)\b",
            valence: -1.5,
            needs: &[],
        },
        Spec {
            name: "stuck",
            regex: r#"\b(held|stuck|sitting|sat|pending|in transit|processing|under review)["'”’]? (\S+ ){0,4}(for|since) #D\b"#,
            valence: -1.8,
            needs: &[
                "held",
                "stuck",
                "sitting",
                "sat ",
                "pending",
                "transit",
                "processing",
                "review",
            ],
        },
        Spec {
            name: "no-explanation",
            regex: r"\b(wasn't|was not|weren't|were not|never|nobody) (told|informed|notified|warned|told us|told me)\b",
            valence: -1.8,
            needs: &["told", "informed", "notified", "warned"],
        },
        Spec {
            name: "not-done",
            regex: r"\b(wasn't|was not|isn't|is not|hasn't been|has not been|haven't been|have not been|never|still not|not|haven't|hasn't|have not|has not|didn't|did not|won't|will not|can't|couldn't|could not) (yet )?(applied|processed|credited|refunded|fixed|resolved|solved|repaired|honou?red|reimbursed|paid out|corrected)\b",
            valence: -1.8,
            needs: &[
                "applied",
                "processed",
                "credited",
                "refunded",
                "fixed",
                "resolved",
                "solved",
                "repaired",
                "honored",
                "honoured",
                "reimbursed",
                "paid out",
                "corrected",
            ],
        },
        Spec {
            name: "money",
            regex: r"\b(still|but|yet|and) (got |get |was |were |been |am |keep getting )?(charged|billed|debited)\b|\b(fees?|charges?|shipping|costs?) (are |is |were |was )?(more|higher) than\b",
            valence: -1.8,
            needs: &["charged", "billed", "debited", "more than", "higher than"],
        },
        Spec {
            name: "transport",
            regex: r"\b(drove|drives|went) (right )?(past|by) (me|us|the stop)\b|\bskipped (my|the|our) stop\b|\b(overcrowded|standing room only|had to stand)\b",
            valence: -1.8,
            needs: &[
                "past",
                "by ",
                "skipped",
                "overcrowded",
                "standing room",
                "had to stand",
            ],
        },
        Spec {
            name: "quality",
            regex: r"\b(expired|out of date|mou?ldy|spoiled|rotten)\b|\b(threw|thrown|tossed|dumped|chucked) (my |the |our )?(package|parcel|box|order)\b|\blocked (me |us )?out\b",
            valence: -1.8,
            needs: &[],
        },
        Spec {
            name: "not-done",
            regex: r"\b(didn't|did not|doesn't|does not|won't|wouldn't) (apply|scan|go through|process|register)\b",
            valence: -1.8,
            needs: &["apply", "scan", "go through", "process", "register"],
        },
        Spec {
            name: "waiting",
            regex: r"\bonly after #D\b|\bafter #D of (waiting|being on hold)\b",
            valence: -1.8,
            needs: &["after"],
        },
        Spec {
            name: "quality",
            regex: r"\b(fell|falling|falls|came|coming) apart\b|\b(broke|broken|died|stopped working) (after|within) (only )?#D\b",
            valence: -1.8,
            needs: &["apart", "broke", "died", "stopped"],
        },
        Spec {
            name: "repeat",
            regex: r"\b(yet again|once again|again!|again\?|(for )?the ([2-9](nd|rd|th)|\d\d+(st|nd|rd|th)|second|third|fourth|fifth|umpteenth|nth) time|([2-9](nd|rd|th)|second|third|fourth|fifth) time (this|today|in))\b",
            valence: -0.8,
            needs: &[],
        },
        Spec {
            name: "returning",
            regex: r"\b(send|sending|sent|ship|shipping|shipped|take|taking|took|bring|bringing|brought) (it|this|them|these|the (item|product|unit|order|thing)) (right )?back\b|\b(return|returning|returned) (it|this|them|these|the (item|product|unit|order|thing))\b|\b(want|wanted|going|had|have|need|needed|like|trying) to return (it|this|them|these|the|my)\b",
            valence: -2.0,
            needs: &[
                "it back",
                "this back",
                "them back",
                "these back",
                "item back",
                "product back",
                "unit back",
                "order back",
                "thing back",
                "right back",
                "return",
            ],
        },
        Spec {
            name: "not-working",
            regex: r"\b(no longer|stopped|quit|ceased) (works?|worked|working|functions?|functioning|charging|charges|turning on|turns on|recogni[sz]es|connects|plays|loads|responds|syncs)\b|\b(wouldn't|would not|never|nothing) (ever )?work(ed|s)?\b|\blasted (only |less than |just |barely )(a |one |two |three |\d+ |a few |few )?(days?|weeks?|months?)\b|\b(doesn't|does not|didn't|did not|won't|will not|wouldn't) (hold (a |the |its )?charge|last( long)?|stay (on|in|connected|charged))\b|\bbattery (life )?(dies|died|drains|drained|runs down|ran down|is short|was short|lasts only|only lasts)\b",
            valence: -2.0,
            needs: &[
                "no longer",
                "stopped",
                "quit",
                "ceased",
                "charge",
                "t last",
                "not last",
                "t stay",
                "not stay",
                "battery",
                "work",
                "lasted",
            ],
        },
        Spec {
            name: "letdown",
            regex: r"\b(i|we)('d|’d| had| have| would have)? expected (\w+ ){0,3}(better|more)\b|\b(was|were|am|are) (hoping|expecting) (for )?(more|better)\b|\b(i've|i have|we've|we have|ive) had better\b|\b(do not|don't|dont|never) (purchase|trust|fall for)\b|\bbuyer,? beware\b|\bdon't be fooled\b|\bdo not be fooled\b|\b(money|cash) (down the (drain|toilet)|out the window)\b",
            valence: -2.0,
            needs: &[
                "expected",
                "hoping",
                "expecting",
                "had better",
                "purchase",
                "trust",
                "fall for",
                "beware",
                "fooled",
                "money",
                "cash",
            ],
        },
        Spec {
            name: "leaving",
            regex: r"\b(wouldn't|wouldnt|would not|won't|wont|will not|never|no plans to|not planning to|don't plan to|dont plan to|(don't|dont|do not) think (i|we)('ll|'d| will| would| are| am)?) (\w+ ){0,2}(go back|come back|return|be back|be returning|be going back|be coming back|be running back)\b|\b(wouldn't|wouldnt|would not|won't|wont|will not|never|(don't|dont|do not) think (i|we)('ll|'d| will| would)|nothing (i|we) would) (\w+ ){0,2}(go|going|come|coming|eat|eating|order|ordering|stay|staying|shop|shopping|fly|flying|buy|buying|have|book|booking)\b[^.!?\n]*?\bagain\b|\bfirst \(?and (the )?last\)?\b|\bmight (just )?be the last\b|\b(don't|dont|do not|never) (go|eat|stay|shop) (here|there)\b|\b(i'm|im|i am|we're|we are) not (eating|going|coming|staying|shopping) (here|there)\b",
            valence: -2.0,
            needs: &[
                "wouldn",
                "would not",
                "won't",
                "wont",
                "will not",
                "never",
                "no plans",
                "not planning",
                "plan to",
                "think",
                "nothing i",
                "nothing we",
                "last",
                " not ",
                "don't",
                "dont",
            ],
        },
        Spec {
            name: "warning",
            regex: r"\b(avoid|skip) (this|it|them|that|at all costs)\b|\b(place|one|restaurant|shop|store|company|product|app) to avoid\b|\b(should|would|better) pass on\b|\bsave yourself (the|some|a)\b",
            valence: -2.0,
            needs: &["avoid", "skip", "pass on", "save yourself"],
        },
        Spec {
            name: "quality",
            regex: r"\b(delivered|arrived|came out|served|showed up|turned up) (\w+ ){0,2}(cold|lukewarm)\b|\b(food|pizza|fries|meal|dish|soup|burger|order|dinner|lunch|breakfast) (was|were|is|are) (\w+ )?(cold|lukewarm)\b|\b(no|not much|hardly any|barely any|didn't have (much|any)|did not have (much|any)|lacked|without (any|much)) (flavou?r|taste)\b",
            valence: -1.8,
            needs: &["cold", "lukewarm", "flavor", "flavour", "taste"],
        },
        Spec {
            name: "chasing",
            regex: r"\b(had to |have to |needed to )?(ask|asked|call|called|remind|reminded|email|emailed|chase|chased) (\w+ ){0,5}([3-9]|three|four|five|several|multiple|many|countless) times\b",
            valence: -1.8,
            needs: &["times"],
        },
        Spec {
            name: "where-is",
            regex: r"\bwhere('s| is| the hell is| on earth is) (my|our|the) (order|package|parcel|refund|delivery|money|bag|luggage|suitcase|driver|engineer|technician|train|bus)\b|\bmissed opportunity\b",
            valence: -1.8,
            needs: &[
                "where's",
                "where is",
                "where the",
                "on earth is",
                "missed opportunity",
            ],
        },
        Spec {
            name: "resolved",
            regex: r"\b(fixed|solved|resolved|sorted( out)?|cleared up|took care of) (\w+ ){0,2}(problems?|issues?|bugs?|complaints?|questions?)\b|\b(problem|issue|outage|it's|it is|all|everything|that) (is |was |got |has been |have been |now )?(fixed|solved|resolved|sorted)\b|\b(refunded|replaced|reimbursed) (my|me|the|it|us)\b|\b(got|get|getting|received|had) (my|our|the) (money|refund) back\b|\bcame through\b|\b(thanks|thank you|thx) (\w+ ){0,2}for (fixing|sorting|resolving|solving|sorting out|taking care of)\b|\b(it |now it |finally it )?works (again|fine now|perfectly now)\s*([.!,:)]|$)|\bit worked again\b",
            valence: 2.0,
            needs: &[
                "refunded",
                "replaced",
                "reimbursed",
                "back",
                "came through",
                "fixed",
                "solved",
                "resolved",
                "sorted",
                "cleared up",
                "took care",
                "fixing",
                "sorting",
                "resolving",
                "solving",
                "taking care",
                "again",
                "now",
            ],
        },
        Spec {
            name: "exasperation",
            regex: r"\bwhat'?s the point\b|\bwhat is the point\b",
            valence: -1.5,
            needs: &["point"],
        },
        Spec {
            name: "letdown",
            regex: r"\bnot (\w+ )?up to (par|standard|standards|scratch)\b|\bbelow (par|average|standard)\b|\bover[ -](rated|priced|hyped)\b|\b(totally|really|it|this|that|which|just) blows\b|\b(two|2|both) thumbs down\b|\bthumbs down\b",
            valence: -2.0,
            needs: &["up to", "below", "over", "blows", "thumbs down"],
        },
        Spec {
            name: "waiting",
            regex: r"\bwaited and waited\b|\bwaiting and waiting\b",
            valence: -2.0,
            needs: &["waited and", "waiting and"],
        },
        Spec {
            name: "quality",
            regex: r"\b(fly|flies|hair|hairs|bug|bugs|cockroach|roach|mouse|worm|glass|plastic|insect|insects) (was |were )?(in|on) (my|our|the|his|her) (\w+ )?(food|soup|salad|meal|drink|juice|coffee|tea|pizza|burger|sandwich|plate|dish|order|fries|rice|bread)\b",
            valence: -2.0,
            needs: &[
                " in my", " in our", " in the", " in his", " in her", " on my", " on our",
                " on the",
            ],
        },
        Spec {
            name: "money",
            regex: r"\b(took|taking|takes|kept|keeps|keeping|stole|pocketed) (my|our|the) (money|tip|deposit|payment|cash)\b|\bnot paying (that|this|for)\b|\bafter (i|we) paid\b",
            valence: -1.8,
            needs: &[
                "money",
                "tip",
                "deposit",
                "payment",
                "cash",
                "not paying",
                "paid",
            ],
        },
        Spec {
            name: "delivery",
            regex: r"\b(delivery attempted|attempted delivery)\b|\bno (knock|note|card)\b|\bnever (arrives|comes|shows up|turns up)\b|\bleft (\S+ ){0,3}(parcel|package|box|order) (\S+ ){0,3}in the rain\b|\b(cancell?ed|canceled) (my|our) (order|flight|booking|reservation|appointment|trip|delivery)\b",
            valence: -1.8,
            needs: &[
                "attempted",
                "no knock",
                "no note",
                "no card",
                "never",
                "rain",
                "cancel",
            ],
        },
        Spec {
            name: "not-working",
            regex: r"\bstill (broken|not working|down|dead|missing|faulty)\b|\bwon't let (me|us)\b|\b(dropping|cutting out|disconnecting|buffering) (every|all the time|constantly|since|again)\b|\bstarted (making (a |an )?(\w+ ){0,3}noise|leaking|failing|smoking|rattling|overheating)\b",
            valence: -1.8,
            needs: &[
                "still",
                "won't let",
                "dropping",
                "cutting out",
                "disconnecting",
                "buffering",
                "started",
            ],
        },
        Spec {
            name: "service",
            regex: r"\b(different|conflicting|contradictory) answers\b|\b(please )?just fix (it|this)\b|\b(and )?then (disconnected|hung up|cut me off)\b|\b(ever|never) hear(d)? back\b",
            valence: -1.8,
            needs: &[
                "answers",
                "fix",
                "disconnected",
                "hung up",
                "cut me off",
                "hear back",
                "heard back",
            ],
        },
        Spec {
            name: "leaving",
            regex: r"\bdone with (them|you|this company|this)\b|\b(thinking (about|of)|considering|about to) (switching|cancell?ing|leaving|moving)\b|\bleaving (at the end of|next|this) (the )?(month|week|year)\b|\b(i'm|im|i am|we're|we are) leaving\b",
            valence: -2.0,
            needs: &["done with", "switching", "cancel", "leaving", "moving"],
        },
        Spec {
            name: "exasperation",
            regex: r"\b(is |it's |this is )?getting old\b|\b(am|i'm|im|are|we're) supposed to be (grateful|happy|thankful|ok|okay|fine|impressed)\b|\bgood luck (getting|trying|finding|reaching|with that)\b|\bnot even close\b|\bthat was #D ago\b",
            valence: -1.8,
            needs: &[
                "old",
                "supposed to be",
                "good luck",
                "not even close",
                "ago",
            ],
        },
    ];
    specs.into_iter().map(|s| expand(s, DURATION_EN)).collect()
}

/// Fills the duration placeholder and makes `\b` ASCII-only.
fn expand(s: Spec, duration: &str) -> Compiled {
    let re = s
        .regex
        .replace("#D", duration)
        .replace(r"\b", r"(?-u:\b)")
        // The filler words between key phrases are matched as ASCII words:
        // a Unicode \w compiles to a far larger automaton.
        .replace(r"\w", r"(?-u:\w)");
    (re, s.name, s.valence, s.needs)
}

/// Sarcasm cues: praise markers that, next to evidence of a complaint, mean
/// the opposite ("Geweldig weer, NS. Derde keer vertraging 👏").
const SARCASM_CUES: &str = r"👏|🙄|🙃|😒|#sarcasm|#sarcasme|#not(?-u:\b)|(?-u:\b)(lekker bezig|goed bezig|goed geregeld|bedankt hoor|dank je wel hoor|dankjewel hoor|top hoor|super hoor|geweldig hoor|fijn hoor|netjes hoor|knap hoor|thanks a lot|thanks for nothing|yeah right|great job|well done|nice one|just great|just what i needed|gotta love|got to love|love how|love it when|love (paying|being|waiting|getting|having|spending|sitting)|thanks again|bravo|chapeau|great timing|perfect timing|nice timing|lekkere timing|top timing)(?-u:\b)";

/// One language's compiled pack. Each pattern runs on its own: its literal
/// prefilter ("wacht", "refund") skips most texts at once, which beats one
/// `RegexSet` whose lazy DFA has no prefilter and many states.
pub(super) struct Pack {
    each: Vec<(Regex, &'static str, f32, &'static [&'static str])>,
    /// All gate literals of the pack, found in one pass per text.
    gates: Option<AhoCorasick>,
    /// Per pattern, which gate literals open it (bit i = literal i).
    masks: Vec<Bits>,
}

/// A set of up to [`Bits::CAPACITY`] gate literals.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Bits([u64; 4]);

impl Bits {
    const CAPACITY: usize = 256;

    fn with(mut self, i: usize) -> Self {
        if let Some(word) = self.0.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
        self
    }

    fn meets(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
}

/// All built-in packs, compiled once.
/// The built-in packs. Each language's pack is compiled the first time a
/// text in that language is scored (about 10 ms each), which keeps
/// `Analyzer::new` cheap for a process that only ever sees one language.
pub(super) struct Packs {
    nl: OnceLock<Pack>,
    en: OnceLock<Pack>,
    sarcasm: Option<Regex>,
}

/// A pattern hit: its name, the matched text (byte range in the lowercased
/// text) and the valence it adds.
pub(super) struct Hit {
    pub name: String,
    pub start: usize,
    pub end: usize,
    pub valence: f32,
}

impl Pack {
    fn build(specs: Vec<Compiled>) -> Self {
        // Ungated patterns of one name become one alternation: one scan
        // instead of several, and a name counts once anyway. Gated ones stay
        // apart, since one weak alternative would cost the whole regex its
        // literal prefilter.
        let mut merged: Vec<Compiled> = Vec::new();
        for (re, name, valence, needs) in specs {
            let same = merged
                .iter_mut()
                .find(|m| m.1 == name && m.3.is_empty() && needs.is_empty());
            match same {
                Some(m) => m.0 = format!("{}|(?:{re})", m.0),
                None => merged.push((format!("(?:{re})"), name, valence, needs)),
            }
        }
        // The built-in patterns are constants checked by the tests below.
        let each: Vec<_> = merged
            .iter()
            .filter_map(|(re, name, v, needs)| Regex::new(re).ok().map(|r| (r, *name, *v, *needs)))
            .collect();
        let mut literals: Vec<&'static str> = Vec::new();
        for (_, _, _, needs) in &each {
            for n in needs.iter() {
                if !literals.contains(n) {
                    literals.push(n);
                }
            }
        }
        let masks = each
            .iter()
            .map(|(_, _, _, needs)| {
                needs
                    .iter()
                    .filter_map(|n| literals.iter().position(|l| l == n))
                    .fold(Bits::default(), Bits::with)
            })
            .collect();
        // More literals than the masks hold would switch gating off; the
        // tests keep the packs below that.
        let gates = (literals.len() <= Bits::CAPACITY)
            .then(|| {
                // A full DFA: overlapping search walks every byte, and the
                // DFA is the fastest automaton for that (a few hundred KiB).
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&literals)
                    .ok()
            })
            .flatten();
        Pack { each, gates, masks }
    }

    fn hits(&self, lower: &str, out: &mut Vec<Hit>) {
        self.hits_gated(lower, out, true);
    }

    fn hits_gated(&self, lower: &str, out: &mut Vec<Hit>, gated: bool) {
        let gates = self.gates.as_ref().filter(|_| gated);
        let present = match gates {
            Some(ac) => ac
                .find_overlapping_iter(lower)
                .fold(Bits::default(), |m, hit| m.with(hit.pattern().as_usize())),
            None => Bits([u64::MAX; 4]),
        };
        for ((re, name, valence, needs), mask) in self.each.iter().zip(&self.masks) {
            // One hit per name: a kind of complaint counts once.
            if out.iter().any(|h| h.name == *name) {
                continue;
            }
            if !needs.is_empty() && !present.meets(mask) {
                continue;
            }
            if let Some(m) = re.find(lower) {
                out.push(Hit {
                    name: (*name).to_owned(),
                    start: m.start(),
                    end: m.end(),
                    valence: *valence,
                });
            }
        }
    }
}

impl Packs {
    pub fn build() -> Self {
        Packs {
            nl: OnceLock::new(),
            en: OnceLock::new(),
            sarcasm: Regex::new(SARCASM_CUES).ok(),
        }
    }

    fn nl(&self) -> &Pack {
        self.nl.get_or_init(|| Pack::build(nl_specs()))
    }

    fn en(&self) -> &Pack {
        self.en.get_or_init(|| Pack::build(en_specs()))
    }

    /// Built-in complaint hits in the lowercased text for `lang` (both packs
    /// when the language is unknown).
    pub fn hits(&self, lower: &str, lang: Lang) -> Vec<Hit> {
        let mut out = Vec::new();
        match lang {
            Lang::Nl => self.nl().hits(lower, &mut out),
            Lang::En => self.en().hits(lower, &mut out),
            Lang::Unknown => {
                self.nl().hits(lower, &mut out);
                self.en().hits(lower, &mut out);
            }
        }
        out
    }

    /// The first sarcasm cue in the lowercased text, if any.
    pub fn sarcasm<'t>(&self, lower: &'t str) -> Option<&'t str> {
        self.sarcasm.as_ref()?.find(lower).map(|m| m.as_str())
    }
}

/// One watch's own additions from its TOML: negative patterns (regex,
/// matched against the original text, so use `(?i)` for any case) and
/// words that count as negative or positive.
#[derive(Debug, Clone, Default)]
pub struct CustomRules {
    patterns: Vec<Regex>,
    set: Option<RegexSet>,
    pub(super) negative_words: Vec<String>,
    pub(super) positive_words: Vec<String>,
    /// The watch's own terms (lowercase): a brand's name is not sentiment
    /// ("bol", "Best Buy", "Virgin").
    names: Vec<String>,
}

/// The valence a watch's own word or pattern adds.
pub(super) const CUSTOM_VALENCE: f32 = 2.0;

impl CustomRules {
    /// Compiles a watch's rules; a bad regex is an error naming the pattern.
    pub fn new(
        negative_patterns: &[String],
        negative_words: &[String],
        positive_words: &[String],
    ) -> Result<Self, regex::Error> {
        let patterns = negative_patterns
            .iter()
            .map(|p| regex::RegexBuilder::new(p).size_limit(1 << 20).build())
            .collect::<Result<Vec<_>, _>>()?;
        let set = if patterns.is_empty() {
            None
        } else {
            Some(
                regex::RegexSetBuilder::new(negative_patterns)
                    .size_limit(1 << 22)
                    .build()?,
            )
        };
        let words = |ws: &[String]| {
            ws.iter()
                .map(|w| super::lexicon::fold(&w.trim().to_lowercase()))
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
        };
        Ok(CustomRules {
            patterns,
            set,
            negative_words: words(negative_words),
            positive_words: words(positive_words),
            names: Vec::new(),
        })
    }

    /// The same rules, with `names` (a watch's terms) carrying no valence
    /// wherever they occur.
    pub fn with_names(mut self, names: &[String]) -> Self {
        self.names = names
            .iter()
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        self
    }

    /// Where the watch's names occur in the lowercased text (byte ranges).
    pub(super) fn name_spans(&self, lower: &str) -> Vec<(usize, usize)> {
        self.names
            .iter()
            .flat_map(|n| {
                lower
                    .match_indices(n.as_str())
                    .map(|(i, m)| (i, i + m.len()))
            })
            .collect()
    }

    /// The watch's patterns that match `text`: (pattern, matched text).
    pub(super) fn pattern_hits<'t>(&self, text: &'t str) -> Vec<(&str, &'t str)> {
        let Some(set) = &self.set else {
            return Vec::new();
        };
        set.matches(text)
            .iter()
            .filter_map(|i| {
                let re = self.patterns.get(i)?;
                re.find(text).map(|m| (re.as_str(), m.as_str()))
            })
            .collect()
    }

    /// The valence a watch gives `word` (folded lowercase), if any.
    pub(super) fn word(&self, word: &str) -> Option<f32> {
        if self.negative_words.iter().any(|w| w == word) {
            Some(-CUSTOM_VALENCE)
        } else if self.positive_words.iter().any(|w| w == word) {
            Some(CUSTOM_VALENCE)
        } else {
            None
        }
    }

    /// Multi-word entries, matched as phrases in the lowercased text.
    pub(super) fn phrases(&self) -> impl Iterator<Item = (&str, f32)> {
        let neg = self
            .negative_words
            .iter()
            .filter(|w| w.contains(' '))
            .map(|w| (w.as_str(), -CUSTOM_VALENCE));
        let pos = self
            .positive_words
            .iter()
            .filter(|w| w.contains(' '))
            .map(|w| (w.as_str(), CUSTOM_VALENCE));
        neg.chain(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_patterns_compile() {
        for (re, name, _, _) in nl_specs().into_iter().chain(en_specs()) {
            assert!(
                Regex::new(&re).is_ok(),
                "pattern {name} does not compile: {re}"
            );
        }
        assert!(Regex::new(SARCASM_CUES).is_ok());
        let packs = Packs::build();
        assert!(!packs.nl().each.is_empty() && packs.nl().each.len() <= nl_specs().len());
        assert!(
            packs.nl().gates.is_some() && packs.en().gates.is_some(),
            "gate literals fit the masks"
        );
        assert!(!packs.en().each.is_empty() && packs.en().each.len() <= en_specs().len());
    }

    fn names(text: &str, lang: Lang) -> Vec<String> {
        Packs::build()
            .hits(&text.to_lowercase(), lang)
            .into_iter()
            .map(|h| h.name)
            .collect()
    }

    #[test]
    fn packs_find_complaints() {
        let cases = [
            (
                "al 3 uur in de wacht bij de klantenservice",
                Lang::Nl,
                "waiting",
            ),
            (
                "Nog steeds geen reactie op mijn mail",
                Lang::Nl,
                "no-response",
            ),
            ("pakket nog steeds niet bezorgd", Lang::Nl, "delivery"),
            ("weer een storing, geen internet", Lang::Nl, "outage"),
            ("ik wil mijn geld terug", Lang::Nl, "money"),
            ("ik stap over naar een andere provider", Lang::Nl, "leaving"),
            ("on hold for 2 hours now", Lang::En, "waiting"),
            ("still no reply from support", Lang::En, "no-response"),
            ("my parcel never arrived", Lang::En, "delivery"),
            ("app is down again", Lang::En, "outage"),
            ("I want a refund", Lang::En, "money"),
            ("going to cancel my subscription", Lang::En, "leaving"),
            ("never again", Lang::En, "leaving"),
        ];
        for (text, lang, want) in cases {
            assert!(
                names(text, lang).iter().any(|n| n == want),
                "{text:?} should hit {want}"
            );
        }
        assert!(names("lovely day at the beach", Lang::En).is_empty());
        assert!(names("mooi boek, snel gelezen", Lang::Nl).is_empty());
    }

    /// A gate literal missing from a pattern's `needs` would silently stop it
    /// matching; on every dev-set line (when the shared data is there) and
    /// on the examples here, gated and ungated packs must agree.
    #[test]
    fn gates_never_hide_a_match() {
        let packs = Packs::build();
        let mut texts: Vec<String> = [
            "lange wachttijd bij de balie",
            "internet valt elke avond weg",
            "klantenservice verbindt me steeds door",
            "al 3 uur in de wacht",
            "still no reply and they hung up on me",
            "the app is down again",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        let dev =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/sentiment/dev");
        let sets = [
            "nl/bol_book_reviews.tsv",
            "nl/political_tweets_train.tsv",
            "en/tweeteval_sentiment_val.tsv",
            "en/uci_yelp_sentences.tsv",
            "en/uci_amazon_sentences.tsv",
            "en/uci_imdb_sentences.tsv",
            "en/absa16_restaurants_sentences.tsv",
            "en/vader_tweets.tsv",
            "en/vader_amazon.tsv",
            "en/vader_nyt.tsv",
            "en/vader_movies.tsv",
        ];
        for set in sets {
            if let Ok(s) = std::fs::read_to_string(dev.join(set)) {
                texts.extend(
                    s.lines()
                        .take(1000)
                        .filter_map(|l| l.split_once('\t'))
                        .map(|(_, t)| t.to_lowercase()),
                );
            }
        }
        for text in &texts {
            for pack in [packs.nl(), packs.en()] {
                let (mut gated, mut open) = (Vec::new(), Vec::new());
                pack.hits_gated(text, &mut gated, true);
                pack.hits_gated(text, &mut open, false);
                let names = |h: &[Hit]| h.iter().map(|h| h.name.clone()).collect::<Vec<_>>();
                assert_eq!(
                    names(&gated),
                    names(&open),
                    "gates hide a match in {text:?}"
                );
            }
        }
    }

    #[test]
    fn custom_rules_reject_bad_regex() {
        assert!(CustomRules::new(&["(unclosed".into()], &[], &[]).is_err());
        let c = CustomRules::new(&["(?i)storing".into()], &["Prut".into()], &[]).expect("valid");
        assert_eq!(c.pattern_hits("STORING bij ons").len(), 1);
        assert_eq!(c.word("prut"), Some(-CUSTOM_VALENCE));
    }
}
