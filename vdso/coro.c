/*
 * Coroutines and the executor (one per address space, in vDSO local data).
 *
 * The executor runs coroutines in rounds: each coroutine that was ready when
 * the round began runs until it blocks, yields or returns. Every switch goes
 * through the executor's own context (the host's thread), which keeps the
 * code simple: a coroutine never switches to another coroutine directly.
 *
 * Wake-ups from outside the executor (another hart, an interrupt handler)
 * push onto the inbox, a lock-free stack; only the executor takes from it, by
 * swapping the whole list out at once, so there is no ABA problem.
 */
#include <string.h>
#include "internal.h"
#include "coro.h"

VDS_LOCAL struct executor vds_ex;
#define ex vds_ex

/* Called once per address space by vds_init(). */
void co_set_host(const struct vds_host_ops *host)
{
	memset(&ex, 0, sizeof(ex));
	ex.host = host;
}

static void ready_append(struct coro *co)
{
	co->next = NULL;
	if (ex.ready_tail)
		ex.ready_tail->next = co;
	else
		ex.ready_head = co;
	ex.ready_tail = co;
}

/* Move remote wake-ups into the ready list, oldest first. */
static void drain_inbox(void)
{
	/* acquire: pairs with the release in make_ready_remote, so the woken
	 * coroutine's saved context and state are visible here. */
	struct coro *list = __atomic_exchange_n(&ex.inbox, NULL, __ATOMIC_ACQUIRE);
	struct coro *rev = NULL;
	while (list) {
		struct coro *next = list->next;
		list->next = rev;
		rev = list;
		list = next;
	}
	while (rev) {
		struct coro *next = rev->next;
		ready_append(rev);
		rev = next;
	}
}

/* Safe from any hart or interrupt handler. */
static void make_ready_remote(struct coro *co)
{
	co->state = CO_READY;
	struct coro *head = __atomic_load_n(&ex.inbox, __ATOMIC_RELAXED);
	do {
		co->next = head;
		/* release: publishes co->next and co->state; pairs with drain_inbox. */
	} while (!__atomic_compare_exchange_n(&ex.inbox, &head, co, 1, __ATOMIC_RELEASE,
	                                      __ATOMIC_RELAXED));
	if (ex.host && ex.host->notify)
		ex.host->notify();
}

/* Only from the executor's own thread (a coroutine or the executor). */
void co_make_ready(struct coro *co)
{
	co->state = CO_READY;
	ready_append(co);
}

static void co_start(void)
{
	struct coro *co = ex.current;
	co->fn(co->arg);
	co->state = CO_DONE;
	co_switch(&co->ctx, &ex.main_ctx);
	__builtin_unreachable();
}

/* A new ready coroutine for fn(arg) on the given stack; the struct coro
 * sits at the top of the stack, which grows down below it. */
static struct coro *setup(void *stack, size_t stack_size, void (*fn)(void *), void *arg,
                          const char *name)
{
	struct coro *co = (struct coro *)((char *)stack + stack_size - sizeof(struct coro));
	co = (struct coro *)((uintptr_t)co & ~(uintptr_t)15);
	memset(co, 0, sizeof(*co));
	co->fn = fn;
	co->arg = arg;
	co->name = name;
	co->stack = stack;
	co->stack_size = stack_size;
	co->id = ++ex.next_id;
	co->ctx.ra = (uint64_t)(uintptr_t)co_start;
	co->ctx.sp = (uint64_t)(uintptr_t)co;
	ex.nlive++;
	co_make_ready(co);
	return co;
}

/* Start fn(arg) on a stack the caller owns (and frees, after it returns). */
struct coro *co_spawn_on(void *stack, size_t stack_size, void (*fn)(void *), void *arg,
                         const char *name)
{
	if (stack == NULL || stack_size < VDS_CO_STACK_MIN)
		return NULL;
	return setup(stack, stack_size, fn, arg, name);
}

/* Start fn(arg) in a new coroutine whose stack comes from the host. */
VDS_API int vds_co_spawn(void (*fn)(void *), void *arg, const char *name, size_t stack_size)
{
	if (stack_size < VDS_CO_STACK_MIN)
		stack_size = VDS_CO_STACK_MIN;
	void *stack = ex.host->stack_alloc(stack_size);
	if (stack == NULL)
		return -VDS_ENOMEM;
	struct coro *co = setup(stack, stack_size, fn, arg, name);
	co->own_stack = 1;
	return (int)co->id;
}

/* Let the others run: a coroutine waits for the executor's next round;
 * from the host's own context (a program's main) this runs one round. */
VDS_API void vds_co_yield(void)
{
	struct coro *co = ex.current;
	if (co == NULL) {
		vds_exec_run();
		return;
	}
	co_make_ready(co);
	co_switch(&co->ctx, &ex.main_ctx);
}

/* Block the running coroutine until someone makes it ready again. */
void co_block(void)
{
	struct coro *co = ex.current;
	co->state = CO_BLOCKED;
	co_switch(&co->ctx, &ex.main_ctx);
}

VDS_API void vds_event_wait(struct vds_event *ev)
{
	struct coro *co = ex.current;
	uintptr_t idle = VDS_EVENT_IDLE;
	co->state = CO_BLOCKED;
	/* acq_rel: release publishes our state before a signaller can see us;
	 * acquire pairs with the signaller's release when it had signalled first. */
	if (__atomic_compare_exchange_n(&ev->state, &idle, (uintptr_t)co, 0, __ATOMIC_ACQ_REL,
	                                __ATOMIC_ACQUIRE)) {
		co_switch(&co->ctx, &ex.main_ctx);
		return;
	}
	/* Already signalled: consume it and go on. Only the waiter clears it. */
	__atomic_store_n(&ev->state, VDS_EVENT_IDLE, __ATOMIC_RELAXED);
	co->state = CO_RUNNING;
}

VDS_API void vds_event_signal(struct vds_event *ev)
{
	uintptr_t old = __atomic_load_n(&ev->state, __ATOMIC_ACQUIRE);
	for (;;) {
		if (old == VDS_EVENT_SIGNALED)
			return;
		uintptr_t next = old == VDS_EVENT_IDLE ? VDS_EVENT_SIGNALED : VDS_EVENT_IDLE;
		/* acq_rel: pairs with the CAS in vds_event_wait. */
		if (__atomic_compare_exchange_n(&ev->state, &old, next, 0, __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE))
			break;
	}
	if (old != VDS_EVENT_IDLE)
		make_ready_remote((struct coro *)old);
}

VDS_API int vds_exec_has_work(void)
{
	return exec_has_work();
}

VDS_API uint32_t vds_exec_live(void)
{
	return ex.nlive;
}

/*
 * Run one round. Returns how many coroutines ran; 0 means nothing was ready
 * (the host may idle until its notify op is called).
 */
VDS_API int vds_exec_run(void)
{
	drain_inbox();
	struct coro *co = ex.ready_head;
	ex.ready_head = ex.ready_tail = NULL;
	int ran = 0;
	while (co) {
		struct coro *next = co->next;
		ex.current = co;
		co->state = CO_RUNNING;
		co_switch(&ex.main_ctx, &co->ctx);
		ex.current = NULL;
		if (co->state == CO_DONE) {
			ex.nlive--;
			if (co->own_stack)
				ex.host->stack_free(co->stack, co->stack_size);
		}
		ran++;
		co = next;
	}
	return ran;
}
