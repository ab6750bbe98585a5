import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';

export type CardTemplateRow = Selectable<Database['card_templates']>;

export class CardsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async templates(listId: string): Promise<CardTemplateRow[]> {
    return this.db.selectFrom('card_templates').selectAll().where('list_id', '=', listId).orderBy('created_at').execute();
  }

  async template(id: string): Promise<CardTemplateRow | undefined> {
    return this.db.selectFrom('card_templates').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertTemplate(row: Insertable<Database['card_templates']>): Promise<void> {
    await this.db.insertInto('card_templates').values(row).execute();
  }

  async updateTemplate(id: string, set: { name: string; template: string; updated_at: string; updated_by: string }): Promise<void> {
    await this.db.updateTable('card_templates').set(set).where('id', '=', id).execute();
  }

  async deleteTemplate(id: string): Promise<void> {
    await this.db.deleteFrom('card_templates').where('id', '=', id).execute();
  }

  async saveOutput(row: Insertable<Database['print_outputs']>): Promise<void> {
    await this.db.deleteFrom('print_outputs').where('job_id', '=', row.job_id).execute();
    await this.db.insertInto('print_outputs').values(row).execute();
  }

  async output(jobId: string): Promise<{ pdf: Buffer | null; pages: number; list_id: string } | undefined> {
    const r = await this.db.selectFrom('print_outputs').select(['pdf', 'pages', 'list_id']).where('job_id', '=', jobId).executeTakeFirst();
    return r ? { pdf: r.pdf ? Buffer.from(r.pdf) : null, pages: Number(r.pages), list_id: r.list_id } : undefined;
  }
}
