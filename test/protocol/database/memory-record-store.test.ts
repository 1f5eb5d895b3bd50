import { MemoryRecordStore } from '../../../src/protocol/database/memory-record-store'
import { describeRecordStoreContract } from './record-store-contract'

describeRecordStoreContract('memory', async () => new MemoryRecordStore())
