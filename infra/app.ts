import { buildAuditApp } from './build.js';

buildAuditApp().app.synth();
