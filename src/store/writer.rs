//! The one boundary between async code and the database for writes.
//!
//! A dedicated thread owns the write connection. Pollers send it their
//! [`PollRecord`]s; it takes whatever has queued up, and what follows within a
//! few milliseconds, and writes it in one transaction, so a thousand sources
//! answering at once cost a handful of commits, not a thousand. Each sender gets back the ids of the mentions its
//! poll created.

use std::path::Path;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::{PollRecord, Result, Store, StoreError};

const MAX_BATCH: usize = 256;
const QUEUE: usize = 1024;

/// How a batch gathers polls after its first. Each commit costs about the
/// same whether it holds one poll or a hundred (the full-text index is
/// flushed, the log written): polls answering close together share one.
/// The thread looks at the queue every [`GAP`] and takes what came, rather
/// than waking for each poll as it arrives (a thousand polls were a
/// thousand wake-ups of this thread); the batch is done when a look finds
/// nothing new (a lone poll waits only that long), once it holds
/// [`ENOUGH`] polls (the commit's cost is then spread thin), and after
/// [`GATHER`] in any case: its polls wait for their commit, and waiting
/// polls hold their place in the queue of polls to start.
const ENOUGH: usize = 32;
const GAP: Duration = Duration::from_millis(2);
const GATHER: Duration = Duration::from_millis(10);

struct Request {
    record: PollRecord,
    reply: oneshot::Sender<Result<Vec<i64>>>,
}

/// Handle to the writer thread. Cheap to clone; the thread ends when the last
/// handle is dropped (after writing what was queued) and [`Writer::join`] waits
/// for that.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Request>,
}

/// Waits for the writer thread to finish its queue.
pub struct WriterThread(std::thread::JoinHandle<()>);

impl WriterThread {
    pub fn join(self) {
        let _ = self.0.join();
    }
}

impl Writer {
    /// Opens the database on a new thread.
    pub fn start(path: &Path) -> Result<(Writer, WriterThread)> {
        let store = Store::open(path)?;
        Ok(Writer::from_store(store))
    }

    pub fn from_store(mut store: Store) -> (Writer, WriterThread) {
        let (tx, mut rx) = mpsc::channel::<Request>(QUEUE);
        let handle = std::thread::Builder::new()
            .name("earshot-store".into())
            .spawn(move || {
                // A clock to wait on, for this thread only: gathering a
                // batch waits with a deadline.
                let clock = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("a current-thread runtime for the store thread");
                clock.block_on(async {
                    while let Some(first) = rx.recv().await {
                        let batch = gather(first, &mut rx).await;
                        write_batch(&mut store, batch);
                    }
                });
            })
            .expect("spawning the store thread");
        (Writer { tx }, WriterThread(handle))
    }

    /// Records one poll; resolves to the ids of the mentions it created.
    pub async fn record(&self, record: PollRecord) -> Result<Vec<i64>> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request { record, reply })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }
}

/// `first` and what follows it, as the constants above say.
async fn gather(first: Request, rx: &mut mpsc::Receiver<Request>) -> Vec<Request> {
    let mut batch = vec![first];
    let last = tokio::time::Instant::now() + GATHER;
    loop {
        tokio::time::sleep(GAP).await;
        let before = batch.len();
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let done =
            batch.len() == before || batch.len() >= ENOUGH || tokio::time::Instant::now() >= last;
        if done {
            return batch;
        }
    }
}

fn write_batch(store: &mut Store, batch: Vec<Request>) {
    let (records, replies): (Vec<PollRecord>, Vec<_>) =
        batch.into_iter().map(|r| (r.record, r.reply)).unzip();
    match store.record_polls(&records) {
        Ok(per_record) => {
            for (reply, ids) in replies.into_iter().zip(per_record) {
                let _ = reply.send(Ok(ids));
            }
        }
        // Still locked after every retry: trying each record alone would
        // only wait as long again per record.
        Err(StoreError::Busy { place, attempts }) => {
            for reply in replies {
                let _ = reply.send(Err(StoreError::Busy {
                    place: place.clone(),
                    attempts,
                }));
            }
        }
        Err(_) => {
            // One bad record must not fail the others: retry one by one.
            for (record, reply) in records.iter().zip(replies) {
                let result = store
                    .record_polls(std::slice::from_ref(record))
                    .map(|mut v| v.pop().unwrap_or_default());
                let _ = reply.send(result);
            }
        }
    }
}
