//! A request body that stops arriving is given up: when the server is waiting for the client's
//! next bytes and none come for the configured time, reading the body fails with a timeout
//! error, which handlers answer with 408 after removing whatever they had started (spool file,
//! object upload). Without it a stalled upload held its staging file and connection for ever.
//!
//! Only the time the server spends *waiting* counts: while a handler is busy (writing a part to
//! S3, say) it does not read, the client's bytes queue up, and that is not the client's delay.
//! WebSocket connections keep their own heartbeat and are not wrapped.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use bytes::Bytes;
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::state::AppState;

/// The message of the I/O error a stalled body ends with.
pub const STALLED: &str = "the client sent no data for too long";

/// Whether a body read error is the stall timeout of this module.
pub fn is_stalled(err: &PayloadError) -> bool {
    matches!(err, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

/// Middleware: wraps every request body (but a WebSocket's) in [`IdleTimeout`].
pub async fn limit_idle_body(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.body_idle_timeout);
    let upgrade = req.headers().contains_key(header::UPGRADE);
    if let Some(timeout) = timeout
        && !upgrade
    {
        let inner = req.take_payload();
        let timed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
            Box::pin(IdleTimeout::new(inner, timeout));
        req.set_payload(Payload::from(timed));
    }
    next.call(req).await
}

/// A body stream that fails once the server has waited `timeout` for the next chunk.
pub struct IdleTimeout<S> {
    inner: S,
    timeout: Duration,
    /// Armed when the server starts waiting; disarmed by each chunk.
    sleep: Option<Pin<Box<Sleep>>>,
    done: bool,
}

impl<S> IdleTimeout<S> {
    pub fn new(inner: S, timeout: Duration) -> Self {
        IdleTimeout {
            inner,
            timeout,
            sleep: None,
            done: false,
        }
    }
}

impl<S> Stream for IdleTimeout<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => {
                this.sleep = None;
                if item.is_none() {
                    this.done = true;
                }
                Poll::Ready(item)
            }
            Poll::Pending => {
                let timeout = this.timeout;
                let sleep = this.sleep.get_or_insert_with(|| {
                    Box::pin(tokio::time::sleep_until(Instant::now() + timeout))
                });
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.done = true;
                        this.sleep = None;
                        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            STALLED,
                        )))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[tokio::test]
    async fn a_stalled_body_times_out_and_a_flowing_one_does_not() {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, PayloadError>>(4);
        let rx = tokio_stream_from(rx);
        let mut body = IdleTimeout::new(rx, Duration::from_millis(300));
        // Chunks 150 ms apart keep it alive.
        for _ in 0..3 {
            let tx = tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(150)).await;
                let _ = tx.send(Ok(Bytes::from_static(b"x"))).await;
            });
            assert!(body.next().await.unwrap().is_ok());
        }
        // Time the reader spends elsewhere is not the client's delay: data that arrived
        // meanwhile is read at once.
        tx.send(Ok(Bytes::from_static(b"y"))).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(body.next().await.unwrap().is_ok());
        // Then nothing: after 300 ms of waiting, an error, then the end.
        let started = std::time::Instant::now();
        let err = body.next().await.unwrap().unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(290));
        assert!(is_stalled(&err));
        assert!(body.next().await.is_none());
        drop(tx);
    }

    fn tokio_stream_from(
        mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, PayloadError>>,
    ) -> impl Stream<Item = Result<Bytes, PayloadError>> + Unpin {
        Box::pin(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
    }
}
