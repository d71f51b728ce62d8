// A progress bar on stderr (cli-progress) for uploads and downloads: count, files/s and ETA.
import cliProgress from 'cli-progress';

export interface Bar {
  setTotal(total: number): void;
  update(value: number, label?: string): void;
  stop(): void;
}

const NONE: Bar = { setTotal() {}, update() {}, stop() {} };

/** Default of `showProgress`: on when stderr is a terminal. */
export const defaultShowProgress = (): boolean => Boolean(process.stderr.isTTY);

export function progressBar(show: boolean | undefined, title: string, unit = 'files'): Bar {
  if (!(show ?? defaultShowProgress())) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${title} |{bar}| {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted} {label}`,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let shown = false;
  let total = 0;
  const payload = (value: number, label = '') => ({ rate: (value / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1), label });
  return {
    setTotal(t) {
      total = t;
      if (!shown) {
        bar.start(t, 0, payload(0));
        shown = true;
      } else bar.setTotal(t);
    },
    update(value, label) {
      if (!shown) this.setTotal(total);
      bar.update(value, payload(value, label));
    },
    stop() {
      if (shown) bar.stop();
    },
  };
}
