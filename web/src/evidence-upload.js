// Evidence files picked in a dialog: the upload through POST /api/files and, while the server
// checks it for viruses, its state read again until known. One piece for every page that asks
// for evidence (合规报告, 周期职责, 整改); `form.file` and `fieldErrors.file_id` are the page's.
import { ref } from 'vue';
import { request } from './api.js';

export function useEvidenceUpload(form, fieldErrors) {
  const uploading = ref(false);
  const fileInput = ref(null);
  let scanTimer = null;

  function stopScanWatch() {
    clearTimeout(scanTimer);
    scanTimer = null;
  }

  function watchScan(id, tries = 0) {
    stopScanWatch();
    if (!form.file || form.file.id !== id || form.file.scan !== 'pending' || tries > 60) return;
    scanTimer = setTimeout(async () => {
      try {
        const meta = await request('GET', `/api/files/${id}/meta`, undefined, { background: true });
        if (form.file && form.file.id === id) {
          form.file.scan = meta.scan;
          form.file.scan_text = meta.scan_text;
        }
      } catch (e) {
        fieldErrors.file_id = e.message;
        return;
      }
      watchScan(id, tries + 1);
    }, 1000);
  }

  function pickFile() {
    if (fileInput.value) fileInput.value.click();
  }

  async function upload(ev) {
    const file = ev.target.files && ev.target.files[0];
    ev.target.value = '';
    if (!file) return;
    uploading.value = true;
    delete fieldErrors.file_id;
    try {
      const up = await request('POST', '/api/files', file, { contentType: 'application/octet-stream', fileName: file.name });
      form.file = { id: up.id, name: up.name || file.name, scan: up.scan, scan_text: up.scan_text };
      watchScan(up.id);
    } catch (e) {
      fieldErrors.file_id = e.message;
    } finally {
      uploading.value = false;
    }
  }

  return { uploading, fileInput, stopScanWatch, pickFile, upload };
}
