//! The E-utilities client against a local server on loopback that replays real E-utilities
//! replies (from `shared/fixtures/eutils` and `shared/fixtures/pubmed`), with throttling,
//! server errors, replies cut off, a server that stalls, and an interrupted download.

use concur_search::eutils::{parse_esearch, Client, EutilsError, Settings, BATCH, CEILING};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CONCUR_REQUIRE_FIXTURES").as_deref() == Ok("1") {
        panic!("CONCUR_REQUIRE_FIXTURES=1 but {} is missing", dir.display());
    }
    eprintln!("skipped: {} is missing", dir.display());
    None
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures().unwrap().join(rel)).unwrap()
}

/// What the server does with one request.
enum Reply {
    Send(u16, Vec<u8>),
    /// Announces the whole body but sends only its first half, then hangs up.
    CutOff(Vec<u8>),
    /// Says nothing for this long.
    Stall(Duration),
}

#[derive(Debug, Clone)]
struct Request {
    utility: String,
    params: HashMap<String, String>,
}

type Handler = Box<dyn FnMut(&Request) -> Reply + Send>;

struct Server {
    base: String,
    log: Arc<Mutex<Vec<Request>>>,
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn serve(handler: Handler) -> Server {
    let handler = Arc::new(Mutex::new(handler));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (handler, log2) = (handler.clone(), log2.clone());
            // Each connection in its own thread, so that a stalled reply does not hold the next.
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if stream.read(&mut byte).unwrap_or(0) == 0 {
                        break;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                let utility = path
                    .trim_start_matches('/')
                    .trim_end_matches(".fcgi")
                    .to_string();
                let params = query
                    .split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (decode(k), decode(v)))
                    .collect();
                let req = Request { utility, params };
                log2.lock().unwrap().push(req.clone());
                let reply = (handler.lock().unwrap())(&req);
                match reply {
                    Reply::Send(status, body) => {
                        let _ = write!(stream, "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                        let _ = stream.write_all(&body);
                    }
                    Reply::CutOff(body) => {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = stream.write_all(&body[..body.len() / 2]);
                    }
                    Reply::Stall(d) => std::thread::sleep(d),
                }
            });
        }
    });
    Server { base, log }
}

fn client(server: &Server) -> Client {
    Client::new(Settings {
        base_url: server.base.clone(),
        email: Some("reviewer@example.org".into()),
        timeout: Duration::from_millis(500),
        attempts: 4,
        backoff: Duration::from_millis(10),
        interval: Some(Duration::from_millis(20)),
        ..Settings::default()
    })
}

/// The real esearch reply with history, its count set to `count` so that the replayed efetch
/// sample stands for the whole result (the count is the only edit).
fn esearch_with_count(count: u64) -> Vec<u8> {
    let text =
        String::from_utf8(read("eutils/pubmedclient_esearch_search_with_history.json")).unwrap();
    text.replace("\"count\":\"239805\"", &format!("\"count\":\"{count}\""))
        .into_bytes()
}

#[test]
fn esearch_replies_are_read_with_their_translation_history_and_warnings() {
    if fixtures().is_none() {
        return;
    }
    let f = parse_esearch(&read(
        "eutils/pubmedclient_esearch_search_with_history.json",
    ))
    .unwrap();
    assert_eq!(f.count, 239805);
    assert_eq!(f.webenv.as_deref(), Some("MCID_699d192e965f30cfc0090912"));
    assert_eq!(f.query_key.as_deref(), Some("1"));
    assert!(f.translation.starts_with("\"asthma\"[MeSH Terms]"));
    assert_eq!(f.ids.len(), 10);
    let empty = parse_esearch(&read("eutils/pubmedclient_esearch_search_empty.json")).unwrap();
    assert_eq!(empty.count, 0);
    assert!(
        empty.warnings.iter().any(|w| w.contains("No items found")),
        "{:?}",
        empty.warnings
    );
    let partial = parse_esearch(&read("eutils/eutilsjson_esearch_error.json")).unwrap();
    assert!(partial.count > 0 && partial.warnings.iter().any(|w| w.contains("fleegle")));
    let bad = parse_esearch(&read("eutils/eutilsjson_esearch_baderror.json")).unwrap_err();
    assert!(matches!(bad, EutilsError::Refused(m) if m.contains("Invalid db name")));
    assert!(matches!(
        parse_esearch(b"{\"esearchresult\": "),
        Err(EutilsError::BadReply { .. })
    ));
}

#[test]
fn throttling_and_server_errors_are_retried_and_every_call_names_the_tool() {
    if fixtures().is_none() {
        return;
    }
    let mut n = 0;
    let server = serve(Box::new(move |_| {
        n += 1;
        match n {
            1 => Reply::Send(
                429,
                b"{\"error\":\"API rate limit exceeded\",\"count\":\"4\"}".to_vec(),
            ),
            // NCBI also sends the rate-limit body with status 200 (written here by hand, as
            // no saved copy exists).
            2 => Reply::Send(
                200,
                b"{\"error\":\"API rate limit exceeded\",\"count\":\"4\"}".to_vec(),
            ),
            3 => Reply::Send(503, b"busy".to_vec()),
            _ => Reply::Send(200, esearch_with_count(239805)),
        }
    }));
    let f = client(&server).esearch("asthma", true, 10, None).unwrap();
    assert_eq!(f.count, 239805);
    let log = server.log.lock().unwrap();
    assert_eq!(log.len(), 4);
    for r in log.iter() {
        assert_eq!(r.params.get("tool").map(String::as_str), Some("concur"));
        assert_eq!(
            r.params.get("email").map(String::as_str),
            Some("reviewer@example.org")
        );
        assert_eq!(r.params.get("term").map(String::as_str), Some("asthma"));
    }
}

#[test]
fn a_server_that_keeps_failing_is_reported_after_the_last_attempt() {
    let server = serve(Box::new(|_| Reply::Send(502, b"bad gateway".to_vec())));
    let err = client(&server)
        .esearch("asthma", false, 0, None)
        .unwrap_err();
    assert!(
        matches!(err, EutilsError::Unreachable { attempts: 4, .. }),
        "{err}"
    );
    assert_eq!(server.log.lock().unwrap().len(), 4);
}

#[test]
fn a_refusal_is_not_retried() {
    let server = serve(Box::new(|_| Reply::Send(400, b"bad request".to_vec())));
    let err = client(&server)
        .esearch("asthma", false, 0, None)
        .unwrap_err();
    assert!(matches!(err, EutilsError::Refused(_)), "{err}");
    assert_eq!(server.log.lock().unwrap().len(), 1);
}

#[test]
fn replies_cut_off_and_a_stalled_server_are_retried() {
    if fixtures().is_none() {
        return;
    }
    let efetch = read("pubmed/biomedquery_efetch_sample.xml");
    let truncated = read("eutils/biopython_einfo4.xml");
    let mut n = 0;
    let server = serve(Box::new(move |r| {
        n += 1;
        match (r.utility.as_str(), n) {
            ("efetch", 1) => Reply::CutOff(efetch.clone()),
            // A whole HTTP reply whose XML is not whole (biopython's truncated einfo).
            ("efetch", 2) => Reply::Send(200, truncated.clone()),
            ("efetch", 3) => Reply::Stall(Duration::from_secs(2)),
            _ => Reply::Send(200, efetch.clone()),
        }
    }));
    let body = client(&server).efetch("MCID_x", "1", 0, 10).unwrap();
    assert!(String::from_utf8_lossy(&body)
        .trim_end()
        .ends_with("</PubmedArticleSet>"));
    assert_eq!(server.log.lock().unwrap().len(), 4);
}

#[test]
fn an_interrupted_download_continues_where_it_stopped() {
    if fixtures().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let efetch = read("pubmed/biomedquery_efetch_sample.xml");
    let count = 2 * BATCH + 7;
    // First run: the server refuses the second batch.
    let e1 = efetch.clone();
    let server = serve(Box::new(move |r| {
        match (
            r.utility.as_str(),
            r.params.get("retstart").map(String::as_str),
        ) {
            ("esearch", _) => Reply::Send(200, esearch_with_count(count)),
            ("efetch", Some("500")) => {
                Reply::Send(400, b"<ERROR>Unable to obtain query #1</ERROR>".to_vec())
            }
            _ => Reply::Send(200, e1.clone()),
        }
    }));
    let err = client(&server)
        .download("asthma", dir.path(), &mut |_, _| {})
        .unwrap_err();
    assert!(matches!(err, EutilsError::Refused(_)));
    assert!(dir.path().join("state.json").exists());
    // Second run: only the missing batches are fetched.
    let server = serve(Box::new(move |r| match r.utility.as_str() {
        "esearch" => Reply::Send(200, esearch_with_count(count)),
        _ => Reply::Send(200, efetch.clone()),
    }));
    let d = client(&server)
        .download("asthma", dir.path(), &mut |_, _| {})
        .unwrap();
    assert_eq!(d.files.len(), 3);
    assert_eq!(d.fetched, 2);
    assert_eq!(d.state.count, count);
    assert!(d.state.translation.contains("asthma"));
    let fetches: Vec<String> = server
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.utility == "efetch")
        .map(|r| r.params["retstart"].clone())
        .collect();
    assert_eq!(fetches, ["500", "1000"]);
    // A third run fetches nothing.
    let d = client(&server)
        .download("asthma", dir.path(), &mut |_, _| {})
        .unwrap();
    assert_eq!(d.fetched, 0);
}

#[test]
fn results_over_the_ceiling_are_split_on_publication_dates() {
    // A server whose records are spread evenly over 2000-2024, 1,000 a year: its esearch
    // replies are written here in the shape of the real one.
    let per_year = 1_000u64;
    let server = serve(Box::new(move |r| {
        let year = |k: &str| {
            r.params
                .get(k)
                .and_then(|d| d.get(..4))
                .and_then(|y| y.parse::<u64>().ok())
        };
        let (from, to) = (
            year("mindate").unwrap_or(1800).max(2000),
            year("maxdate").unwrap_or(3000).min(2024),
        );
        // Whole years only: a range that cuts a year counts the year by its share of days.
        let count = if to < from {
            0
        } else {
            (to - from + 1) * per_year
        };
        let body = format!(
            "{{\"header\":{{\"type\":\"esearch\",\"version\":\"0.3\"}},\"esearchresult\":{{\"count\":\"{count}\",\"retmax\":\"0\",\"retstart\":\"0\",\"querykey\":\"1\",\"webenv\":\"MCID_t\",\"idlist\":[],\"querytranslation\":\"test[All Fields]\"}}}}"
        );
        Reply::Send(200, body.into_bytes())
    }));
    let c = client(&server);
    let dir = tempfile::tempdir().unwrap();
    // Only the planning is checked here: stop at the first efetch.
    let state = match c.download("test", dir.path(), &mut |_, _| {}) {
        Ok(d) => d.state,
        Err(_) => {
            serde_json::from_slice(&std::fs::read(dir.path().join("state.json")).unwrap()).unwrap()
        }
    };
    assert_eq!(state.count, 25 * per_year);
    assert!(state.parts.len() > 2);
    assert!(state
        .parts
        .iter()
        .all(|p| p.count <= CEILING && p.from.is_some()));
}
