/**
 * Takes a photo: the device camera live (getUserMedia) when the browser offers it, and always a
 * file input with capture="environment", which opens the rear camera on phones and a file picker
 * elsewhere. A still from the live camera is cropped to 3:4 portrait, the shape of an ID photo.
 */
import { useEffect, useRef, useState } from 'react';

export function Camera({ onPhoto, disabled, who }: { readonly onPhoto: (file: Blob) => void; readonly disabled: boolean; readonly who: string }) {
  const video = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream>();
  const [problem, setProblem] = useState('');
  const live = typeof navigator !== 'undefined' && Boolean(navigator.mediaDevices?.getUserMedia);

  useEffect(() => () => stream?.getTracks().forEach((t) => t.stop()), [stream]);
  useEffect(() => {
    if (video.current && stream) video.current.srcObject = stream;
  }, [stream]);

  const start = async () => {
    setProblem('');
    try {
      setStream(await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment', width: { ideal: 1920 }, height: { ideal: 1080 } }, audio: false }));
    } catch (err) {
      setProblem(`The camera could not be opened (${err instanceof Error ? err.message : String(err)}). Use "Take or choose a photo" instead.`);
    }
  };
  const snap = () => {
    const v = video.current;
    if (!v || !v.videoWidth) return;
    const h = v.videoHeight, w = Math.min(v.videoWidth, Math.round((h * 3) / 4));
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.getContext('2d')?.drawImage(v, (v.videoWidth - w) / 2, 0, w, h, 0, 0, w, h);
    canvas.toBlob((b) => { if (b) onPhoto(b); }, 'image/jpeg', 0.92);
  };

  return (
    <div className="camera stack">
      {stream ? (
        <>
          <video ref={video} autoPlay playsInline muted className="camera-view" aria-label={`Camera view for ${who}`} />
          <div className="toolbar">
            <button type="button" disabled={disabled} onClick={snap}>Take photo</button>
            <button type="button" className="secondary" onClick={() => setStream(undefined)}>Stop camera</button>
          </div>
        </>
      ) : live ? <div><button type="button" className="secondary" onClick={() => void start()}>Use the live camera</button></div> : null}
      {problem ? <p className="warning" role="alert">{problem}</p> : null}
      <label>Take or choose a photo
        <input type="file" accept="image/*" capture="environment" disabled={disabled}
          onChange={(e) => { const f = e.target.files?.[0]; if (f) onPhoto(f); e.target.value = ''; }} />
      </label>
    </div>
  );
}
