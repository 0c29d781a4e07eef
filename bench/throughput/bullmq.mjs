// The BullMQ side of bench/throughput: the same work as Lode's noop cluster,
// four queues in sequence (s0 -> s1 -> s2 -> s3), no-op processors, one
// Worker per stage (each in its own process, like Lode's workers), jobs
// added with removeOnComplete. Stage k's processor adds the job to stage
// k+1; stage 3's counts it and measures add-to-done latency.
//
//   node bullmq.mjs worker STAGE --port P --n N --concurrency C --out DIR
//   node bullmq.mjs producer      --port P --n N [--rate R] --out DIR
//
// The worker writes DIR/ready-STAGE once connected; the last stage writes
// DIR/done.json ({t_done_ms, p50_ms, p99_ms, n}) when N jobs are through.
// The producer writes DIR/producer.json ({t0_ms, t_added_ms}). Every key is
// under the prefix "bullbench" so it never meets Lode's "lode:".
// It loads bullmq from the working directory's node_modules (run.sh
// installs it in a throwaway directory and runs node there).
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'noop.js'));
const { Queue, Worker } = require('bullmq');

const PREFIX = 'bullbench';
const STAGES = 4;
const CHUNK = 1000; // jobs per addBulk

function parseArgs(argv) {
    const a = { role: argv[0], stage: 0, port: 6379, n: 1000, concurrency: 64, rate: 0, out: '.' };
    let i = 1;
    if (a.role === 'worker') a.stage = Number(argv[i++]);
    for (; i < argv.length; i += 2) {
        const k = argv[i].replace(/^--/, ''), v = argv[i + 1];
        a[k] = k === 'out' ? v : Number(v);
    }
    return a;
}

const args = parseArgs(process.argv.slice(2));
const connection = { host: '127.0.0.1', port: args.port, maxRetriesPerRequest: null };
const jobOpts = { removeOnComplete: true, removeOnFail: true };

function percentile(sorted, p) {
    if (sorted.length === 0) return 0;
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function runWorker() {
    const k = args.stage;
    const next = k + 1 < STAGES ? new Queue(`s${k + 1}`, { connection, prefix: PREFIX }) : null;
    const lat = [];
    let done = 0;
    let worker;
    const finish = async () => {
        const t = Date.now();
        lat.sort((x, y) => x - y);
        writeFileSync(path.join(args.out, 'done.json'), JSON.stringify({
            t_done_ms: t, n: done, p50_ms: percentile(lat, 50), p99_ms: percentile(lat, 99),
        }));
        await worker.close(true);
        process.exit(0);
    };
    worker = new Worker(`s${k}`, async (job) => {
        if (next) {
            await next.add('j', job.data, jobOpts);
            return;
        }
        lat.push(Date.now() - job.data.t);
        if (++done === args.n) setImmediate(finish);
    }, { connection, prefix: PREFIX, concurrency: args.concurrency });
    await worker.waitUntilReady();
    if (next) await next.waitUntilReady();
    writeFileSync(path.join(args.out, `ready-${k}`), '1');
}

async function runProducer() {
    const q = new Queue('s0', { connection, prefix: PREFIX });
    await q.waitUntilReady();
    const t0 = Date.now();
    for (let sent = 0; sent < args.n;) {
        let m = Math.min(CHUNK, args.n - sent);
        if (args.rate > 0) { // paced: never ahead of rate * elapsed
            m = Math.min(m, Math.max(1, Math.ceil(args.rate / 50)));
            const due = t0 + (sent * 1000) / args.rate;
            const wait = due - Date.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        const t = Date.now();
        const jobs = [];
        for (let i = 0; i < m; i++) jobs.push({ name: 'j', data: { t }, opts: jobOpts });
        await q.addBulk(jobs);
        sent += m;
    }
    writeFileSync(path.join(args.out, 'producer.json'), JSON.stringify({ t0_ms: t0, t_added_ms: Date.now() }));
    await q.close();
    process.exit(0);
}

(args.role === 'worker' ? runWorker() : runProducer()).catch((e) => {
    console.error(`bullmq.mjs ${args.role}: ${e.stack || e}`);
    process.exit(1);
});
