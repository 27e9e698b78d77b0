import { createPageRenderer, pageDirs } from '@idp/web';
import { LANGS, messages } from './i18n.js';

const dirs = pageDirs(import.meta.url);
export const VIEWS_DIR = dirs.views;
export const STATIC_DIR = dirs.static;

export const renderPage = createPageRenderer({ views: VIEWS_DIR, langs: LANGS, messages });
