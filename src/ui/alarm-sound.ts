/**
 * The alarm tone (Web Audio) and vibration. Both are off unless the operator
 * turned them on, and neither ever sounds on page load: browsers let audio
 * start only after a user gesture, so the tone is armed by the operator's
 * tap on the toggle, or by their first tap or key press after a reload.
 * Only alarms raised after that sound.
 */
let context: AudioContext | null = null;
let armedListener = false;

/** Call inside a user gesture (the toggle's click): creates or resumes the audio context. */
export function unlockAlarmAudio(): void {
  if (typeof AudioContext === 'undefined') return;
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') void context.resume().catch(() => undefined);
  } catch (err) {
    console.warn('Holdfast: Web Audio is not available', err);
  }
}

/** After a reload with the tone on: arm it at the operator's first tap or key press (never before). */
export function armAlarmAudioOnGesture(): void {
  if (armedListener || typeof document === 'undefined') return;
  armedListener = true;
  const arm = (): void => {
    unlockAlarmAudio();
    document.removeEventListener('pointerdown', arm, true);
    document.removeEventListener('keydown', arm, true);
    armedListener = false;
  };
  document.addEventListener('pointerdown', arm, true);
  document.addEventListener('keydown', arm, true);
}

/** Whether a tone can play now (the context exists and runs). */
export function alarmAudioReady(): boolean {
  return context !== null && context.state === 'running';
}

/** Two short tones; critical alarms are higher and repeat once more. */
export function playAlarmTone(severity: 'critical' | 'warning' | 'info'): void {
  const ctx = context;
  if (!ctx || ctx.state !== 'running') return;
  const freq = severity === 'critical' ? 880 : severity === 'warning' ? 660 : 520;
  const beeps = severity === 'critical' ? 3 : 2;
  const t0 = ctx.currentTime + 0.01;
  for (let i = 0; i < beeps; i++) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    const start = t0 + i * 0.3;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.2);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + 0.22);
  }
}

/** Vibrate where supported (phones, some tablets); browsers ignore it without a prior user gesture. */
export function vibrateAlarm(): void {
  if (typeof navigator !== 'undefined' && typeof navigator.vibrate === 'function') navigator.vibrate([200, 100, 200]);
}
