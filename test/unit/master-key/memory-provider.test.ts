import { describeProviderContract } from '../../helpers/provider-contract.js'
import { MemoryProvider } from '../../helpers/memory-provider.js'

// The contract suite on the reference provider: the suite itself passes on a minimal honest one.
describeProviderContract('memory (reference implementation)', async () => ({
  provider: new MemoryProvider('a'),
  otherKey: new MemoryProvider('b'),
  secrets: [],
}))
