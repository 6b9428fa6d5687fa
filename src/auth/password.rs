//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane; OWASP's
//! recommended minimum). Hashing is slow on purpose: the async code runs it through
//! [`off_thread`], on one dedicated thread.
//!
//! One thread with one reused 19 MiB working memory, not the blocking pool: the allocator kept
//! what each hash freed, per thread, and the process grew by 19 MiB per thread that had hashed.
//! One thread also bounds the CPU a flood of sign-ins can take.

use std::cell::RefCell;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Mutex, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;

use crate::error::{AppError, AppResult};

/// The stored "hash" of an account created by a first sign-in through the OpenID provider: it
/// has no password, and none verifies against this.
pub const NO_PASSWORD: &str = "!no-password";

/// The most memory a stored hash may ask for (its `m` parameter), in KiB blocks.
const MAX_BLOCKS: usize = 256 * 1024;

thread_local! {
    /// Argon2's working memory, allocated once per thread and reused: left to the allocator,
    /// each 19 MiB hash grew the process a little more.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs argon2 with `params` into `out`, on this thread's reused memory.
fn compute(
    params: &Params,
    algorithm: Algorithm,
    version: Version,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        return Err(argon2::Error::MemoryTooMuch);
    }
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
            password,
            salt,
            out,
            &mut memory[..blocks],
        )
    })
}

pub fn hash(password: &str) -> AppResult<String> {
    let fail = |e: &dyn std::fmt::Display| {
        AppError::internal(anyhow::anyhow!("password hashing failed: {e}"))
    };
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        &params,
        Algorithm::Argon2id,
        Version::V0x13,
        password.as_bytes(),
        salt_raw,
        &mut out,
    )
    .map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params)
            .try_into()
            .map_err(|e: argon2::password_hash::Error| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches `stored`, compared in constant time.
pub fn verify(stored: &str, password: &str) -> bool {
    if stored == NO_PASSWORD {
        // An account that signs in only through the OpenID provider: no password matches, in
        // the time a real one takes.
        verify_dummy(password);
        return false;
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (
        Params::try_from(&parsed),
        Algorithm::try_from(parsed.algorithm),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_raw) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if compute(
        &params,
        algorithm,
        version,
        password.as_bytes(),
        salt_raw,
        &mut out,
    )
    .is_err()
    {
        return false;
    }
    expected.as_bytes().ct_eq(&out).into()
}

/// Spends the same time as a real verification, for an unknown e-mail, so that response times
/// do not reveal which addresses have accounts.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("consilium-dummy-password").unwrap_or_default());
    let _ = verify(stored, password);
}

type Job = Box<dyn FnOnce() + Send>;

/// Sign-ins waiting for the hashing thread before new ones are refused.
const QUEUE: usize = 256;

fn worker() -> AppResult<SyncSender<Job>> {
    static WORKER: OnceLock<Mutex<Option<SyncSender<Job>>>> = OnceLock::new();
    let slot = WORKER.get_or_init(|| Mutex::new(None));
    let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(tx) = guard.as_ref() {
        return Ok(tx.clone());
    }
    let (tx, rx) = sync_channel::<Job>(QUEUE);
    std::thread::Builder::new()
        .name("password-hashing".into())
        .spawn(move || {
            while let Ok(job) = rx.recv() {
                job();
            }
        })
        .map_err(AppError::internal)?;
    *guard = Some(tx.clone());
    Ok(tx)
}

/// Runs password work on the hashing thread and waits for it without blocking the caller's
/// async thread.
pub async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(work());
    });
    worker()?.try_send(job).map_err(|_| {
        AppError::Unavailable("too many sign-ins at once; try again in a moment".into())
    })?;
    rx.await.map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse battery"));
        assert!(!verify(&h, "correct horse battery!"));
        assert!(!verify("not a hash", "x"));
    }

    #[test]
    fn hashes_of_the_crate_verify_and_ours_verify_with_the_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"same words here", &salt)
            .unwrap()
            .to_string();
        assert!(verify(&theirs, "same words here"));
        assert!(!verify(&theirs, "other words here"));
        let ours = hash("same words here").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"same words here", &parsed)
                .is_ok()
        );
    }

    #[tokio::test]
    async fn work_runs_on_one_thread() {
        let names: Vec<String> = futures_util::future::join_all(
            (0..4).map(|_| off_thread(|| std::thread::current().name().unwrap_or("").to_string())),
        )
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
        assert!(names.iter().all(|n| n == "password-hashing"), "{names:?}");
    }
}
