/* tfl_parallel_for: task-parallel loops for kernels (see tflrt.h), on a pthread pool owned by the TflContext.
 *
 * The pool has num_threads - 1 workers; the calling thread is thread 0 and runs tasks too. It is created on the first
 * tfl_parallel_for with more than one task and num_threads > 1, and joined by tfl_destroy (tfl_pool_free).
 *
 * One job at a time (tfl_parallel_for is called by the thread running invoke, and is not reentrant). Each thread
 * starts on its own contiguous share of the tasks (thread t: tasks [t * n / T, (t + 1) * n / T)), claimed from the
 * front, and when it is done takes the remaining tasks of the others from their back ends. So a thread keeps the same
 * part of consecutive row-split ops (their rows stay in its cache), claims touch its own cache line, and a thread
 * that is late or slow still has its tasks run by the others. Which thread runs a task never changes what it
 * computes.
 *
 * Protocol. The caller writes the job (fn, arg, ntasks, the shares, done = 0), sets `open`, bumps `gen` and wakes
 * sleeping workers. A worker that sees a new gen announces itself in `inside`, and only then looks at `open`: if the
 * job is open it claims tasks until none are left. The caller claims tasks too, waits until `done` == ntasks, clears
 * `open`, and waits until `inside` == 0 before returning, so no worker can touch the job's fields once the next job is
 * being written (all of these are sequentially consistent atomics: a worker either sees `open` cleared or is counted
 * in `inside`). Idle workers spin for the next job while an invoke is running (up to SPIN_INVOKE_NS at a time: the
 * gaps between split ops are microseconds, a wake-up from the condition variable tens of microseconds), and park on
 * the condition variable soon after the invoke ends (SPIN_IDLE_NS); `sleepers` tells the caller whether a broadcast
 * is needed. An invoke that begins kicks parked workers awake (tfl_pool_running), so their wake-up overlaps the
 * first node's serial work instead of delaying its first split.
 *
 * fork(): a child process has the pool's memory but not its threads. A fork generation counter (pthread_atfork)
 * lets the child notice; it abandons the old pool (without joining or destroying its mutex) and builds a new one. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "interp.h"

#define SPIN_INVOKE_NS 2000000L /* spin while an invoke runs, at most this long between jobs */
#define SPIN_IDLE_NS 20000L     /* after the invoke: back-to-back invokes keep their worker awake */
#define SPIN_PAUSE_NS 50000L    /* beyond this, spin with sched_yield: other processes' threads get the core */

/* What one thread did in the current job, for the profile (written by that thread only). */
struct ThreadStat {
  _Alignas(64) int64_t start, busy; /* first claim, time from it to the last task's end */
  int ran;                          /* tasks run */
};

/* A thread's share of the job's tasks: [begin, end) packed as begin | end << 32 (one atomic for both ends). */
struct Share {
  _Alignas(64) _Atomic uint64_t r;
};

struct TflPool {
  int nworkers;
  struct Share *share; /* [nworkers + 1] */
  struct ThreadStat *stat; /* [nworkers + 1] */
  int prof;                /* the current job is profiled */
  pthread_t *threads;
  struct WorkerArg *args;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  unsigned fork_gen;
  /* job */
  TflTaskFn fn;
  void *arg;
  int ntasks;
  /* shared state; each on its own cache line */
  _Alignas(64) atomic_uint gen;
  _Alignas(64) atomic_int open;
  _Alignas(64) atomic_int done;
  _Alignas(64) atomic_int inside;
  _Alignas(64) atomic_int sleepers;
  atomic_int stop;
  atomic_int running;  /* an invoke is running (tfl_pool_running) */
  atomic_uint kick;    /* bumped when an invoke begins: parked workers wake and spin */
};

struct WorkerArg {
  TflPool *pool;
  int thread;
};

static atomic_uint fork_generation;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void on_fork_child(void) { atomic_fetch_add(&fork_generation, 1); }
static void register_atfork(void) { pthread_atfork(NULL, NULL, on_fork_child); }

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

int64_t tfl_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
#define now_ns tfl_now_ns

/* Takes the first (own share) or the last (another's) task of a share; -1 when it is empty. */
static int claim(struct Share *s, int from_back) {
  uint64_t v = atomic_load_explicit(&s->r, memory_order_relaxed);
  for (;;) {
    const uint32_t b = (uint32_t)v, e = (uint32_t)(v >> 32);
    if (b >= e) return -1;
    const uint64_t w = from_back ? (uint64_t)b | (uint64_t)(e - 1) << 32 : (uint64_t)(b + 1) | (uint64_t)e << 32;
    if (atomic_compare_exchange_weak_explicit(&s->r, &v, w, memory_order_relaxed, memory_order_relaxed))
      return (int)(from_back ? e - 1 : b);
  }
}

/* Runs the thread's share of the open job, then what is left of the others'; returns how many tasks it ran. The
 * tasks are counted in `done` once, after the last one (one contended atomic per thread and job, not per task). */
static int run_tasks(TflPool *p, int thread) {
  TflTaskFn fn = p->fn;
  void *arg = p->arg;
  const int T = p->nworkers + 1;
  int ran = 0;
  for (int t; (t = claim(&p->share[thread], 0)) >= 0; ran++) fn(arg, t, thread);
  for (int k = 1; k < T; k++) {
    struct Share *s = &p->share[(thread + k) % T];
    for (int t; (t = claim(s, 1)) >= 0; ran++) fn(arg, t, thread);
  }
  if (ran) atomic_fetch_add_explicit(&p->done, ran, memory_order_release);
  return ran;
}

/* run_tasks, noting in the thread's ThreadStat when the job is profiled. */
static void run_tasks_stat(TflPool *p, int thread) {
  if (!p->prof) {
    run_tasks(p, thread);
    return;
  }
  const int64_t t0 = now_ns();
  const int ran = run_tasks(p, thread);
  if (ran) p->stat[thread] = (struct ThreadStat){.start = t0, .busy = now_ns() - t0, .ran = ran};
}

/* Waits for a job newer than `seen` (or stop): spins while an invoke runs, parks when none does or the spin is long. */
static void wait_job(TflPool *p, unsigned seen) {
  int64_t t0 = now_ns();
  int spins = 0;
  while (atomic_load_explicit(&p->gen, memory_order_relaxed) == seen && !atomic_load_explicit(&p->stop, memory_order_relaxed)) {
    cpu_relax();
    if (++spins % 64) continue;
    const int64_t limit = atomic_load_explicit(&p->running, memory_order_relaxed) ? SPIN_INVOKE_NS : SPIN_IDLE_NS;
    const int64_t spun = now_ns() - t0;
    if (spun <= limit) {
      if (spun > SPIN_PAUSE_NS) sched_yield();
      continue;
    }
    pthread_mutex_lock(&p->mu);
    const unsigned kick = atomic_load(&p->kick);
    atomic_fetch_add(&p->sleepers, 1);
    while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop) && atomic_load(&p->kick) == kick) pthread_cond_wait(&p->cv, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
    t0 = now_ns(); /* kicked by a new invoke (or a job arrived): spin again */
  }
}

static void *worker_main(void *v) {
  struct WorkerArg *wa = v;
  TflPool *p = wa->pool;
  unsigned seen = atomic_load(&p->gen);
  for (;;) {
    wait_job(p, seen);
    if (atomic_load(&p->stop)) break;
    seen = atomic_load(&p->gen);
    atomic_fetch_add(&p->inside, 1);
    if (atomic_load(&p->open)) run_tasks_stat(p, wa->thread);
    atomic_fetch_sub(&p->inside, 1);
  }
  return NULL;
}

static void pool_shutdown(TflPool *p, int join) {
  atomic_store(&p->stop, 1);
  pthread_mutex_lock(&p->mu);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  if (join)
    for (int i = 0; i < p->nworkers; i++) pthread_join(p->threads[i], NULL);
}

void tfl_pool_free(TflPool *p) {
  if (!p) return;
  if (p->fork_gen != atomic_load(&fork_generation)) {
    /* created before a fork in the parent: this process has none of its threads, and its mutex may be in any
     * state; leak the small struct rather than touch it */
    return;
  }
  pool_shutdown(p, 1);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p->threads);
  free(p->args);
  free(p->stat);
  free(p->share);
  free(p);
}

/* Creates a pool with up to want - 1 workers; NULL when not even one worker can be started. */
static TflPool *pool_create(int want) {
  pthread_once(&atfork_once, register_atfork);
  TflPool *p = aligned_alloc(64, (sizeof(TflPool) + 63) / 64 * 64);
  if (!p) return NULL;
  memset(p, 0, sizeof *p);
  p->fork_gen = atomic_load(&fork_generation);
  p->threads = calloc((size_t)want, sizeof(pthread_t));
  p->args = calloc((size_t)want, sizeof(struct WorkerArg));
  p->stat = aligned_alloc(64, (size_t)want * sizeof(struct ThreadStat));
  p->share = aligned_alloc(64, (size_t)want * sizeof(struct Share));
  if (!p->threads || !p->args || !p->stat || !p->share || pthread_mutex_init(&p->mu, NULL) != 0) {
    free(p->threads);
    free(p->args);
    free(p->stat);
    free(p->share);
    free(p);
    return NULL;
  }
  if (pthread_cond_init(&p->cv, NULL) != 0) {
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p->args);
    free(p->stat);
    free(p->share);
    free(p);
    return NULL;
  }
  for (int i = 0; i < want; i++) atomic_init(&p->share[i].r, 0);
  atomic_store(&p->running, 1); /* created by a split op, so (almost always) inside an invoke */
  for (int i = 0; i < want - 1; i++) {
    p->args[i] = (struct WorkerArg){p, i + 1};
    if (pthread_create(&p->threads[i], NULL, worker_main, &p->args[i]) != 0) break;
    p->nworkers++;
  }
  if (p->nworkers == 0) {
    tfl_pool_free(p);
    return NULL;
  }
  return p;
}

void tfl_pool_running(TflContext *ctx, int on) {
  TflPool *p = *tfl_ctx_pool(ctx);
  if (!p || p->fork_gen != atomic_load(&fork_generation)) return; /* none yet, or one this process has no threads of */
  atomic_store(&p->running, on != 0);
  if (!on) return;
  atomic_fetch_add(&p->kick, 1);
  if (atomic_load(&p->sleepers) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
}

void tfl_parallel_for(TflContext *ctx, int ntasks, TflTaskFn fn, void *arg) {
  int nt = tfl_num_threads(ctx);
  if (ntasks <= 1 || nt <= 1) {
    for (int t = 0; t < ntasks; t++) fn(arg, t, 0);
    return;
  }
  TflPool **slot = tfl_ctx_pool(ctx);
  TflPool *p = *slot;
  if (p && p->fork_gen != atomic_load(&fork_generation)) {
    tfl_pool_free(p); /* abandons it (see above) */
    p = *slot = NULL;
  }
  if (!p) {
    p = *slot = pool_create(nt);
    if (!p) {
      /* no worker could be started: run serially (thread 0 only; every task is still run exactly once) */
      for (int t = 0; t < ntasks; t++) fn(arg, t, 0);
      return;
    }
  }
  TflNodeProfile *np = tfl_ctx_prof(ctx);
  int64_t t_pub = 0, t_own = 0;
  int woken = 0;
  p->prof = np != NULL;
  if (np) {
    for (int i = 0; i <= p->nworkers; i++) p->stat[i] = (struct ThreadStat){0};
    t_pub = now_ns();
  }
  p->fn = fn;
  p->arg = arg;
  p->ntasks = ntasks;
  const int T = p->nworkers + 1;
  for (int i = 0; i < T; i++) {
    const uint64_t b = (uint64_t)((int64_t)ntasks * i / T), e = (uint64_t)((int64_t)ntasks * (i + 1) / T);
    atomic_store_explicit(&p->share[i].r, b | e << 32, memory_order_relaxed);
  }
  atomic_store_explicit(&p->done, 0, memory_order_relaxed);
  atomic_store(&p->open, 1);
  atomic_fetch_add(&p->gen, 1);
  if (atomic_load(&p->sleepers) > 0) {
    woken = 1;
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  run_tasks_stat(p, 0);
  if (np) t_own = now_ns();
  /* wait for the tasks other threads claimed; yield when they take long (a worker may have been descheduled) */
  for (int spins = 0; atomic_load_explicit(&p->done, memory_order_acquire) < ntasks; spins++) {
    if (spins < 4096) cpu_relax();
    else sched_yield();
  }
  const int64_t t_done = np ? now_ns() : 0;
  atomic_store(&p->open, 0);
  for (int spins = 0; atomic_load(&p->inside) > 0; spins++) {
    if (spins < 4096) cpu_relax();
    else sched_yield();
  }
  if (np) {
    /* every worker is out of the job (inside == 0): their stats are final */
    int64_t last_start = t_pub;
    for (int i = 0; i <= p->nworkers; i++) {
      if (!p->stat[i].ran) continue;
      np->busy_ns[i] += p->stat[i].busy;
      if (p->stat[i].start > last_start) last_start = p->stat[i].start;
    }
    np->par_ns += now_ns() - t_pub;
    np->calls++;
    np->tasks += ntasks;
    np->start_ns += last_start - t_pub;
    np->tail_ns += t_done - t_own;
    np->woken += woken;
  }
}
