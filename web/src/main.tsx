import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { followHeadings } from './document-title';
import './styles.css';

const root = document.getElementById('root')!;
followHeadings(root);
createRoot(root).render(<StrictMode><App /></StrictMode>);
