import BillingCore
import BillingTestSupport
import PropertyBased
import Testing

@Suite struct BillingStoryPropertyTests {
    /// Generated stories of several clients, delivered in random order with duplicates, keep SPEC §5/§6 promises.
    @Test func storiesDeliveredInAnyOrderKeepThePromises() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var generator = BillingStoryGenerator(seed: seed)
            let stories = generator.clients(count: Int(seed % 3) + 1)
            var driver = InMemoryBillingDriver(clients: Set(stories.map(\.clientId)))
            for story in stories where story.mutedAtStart { driver.setMuted(true, client: story.clientId) }
            for event in generator.deliveries(of: stories) {
                if let client = generator.clientToToggleMute(among: stories) {
                    driver.setMuted(!(driver.controls[client]?.opsAlertsMuted ?? false), client: client)
                }
                driver.deliver(event)
            }
            #expect(driver.violations.isEmpty, "story seed \(seed): \(driver.violations)")
            for story in stories {
                expectNewestSnapshotWins(story, driver: driver, seed: seed)
            }
            let unsettled = driver.events.values.filter { $0.status != .processed && $0.status != .ignored }
            #expect(unsettled.isEmpty, "story seed \(seed): unsettled \(unsettled.map(\.event.id))")
        }
    }

    /// When a client's newest event is a snapshot strictly newer than all others, its mapped status is final.
    private func expectNewestSnapshotWins(
        _ story: BillingStoryGenerator.ClientStory, driver: InMemoryBillingDriver, seed: UInt64
    ) {
        let sorted = story.events.sorted { $0.created < $1.created }
        guard let newest = sorted.last, case .subscription(let snapshot) = newest.kind,
              sorted.dropLast().allSatisfy({ $0.created < newest.created })
        else { return }
        let final = driver.billing[story.clientId]?.status
        #expect(final == snapshot.status.billingStatus,
                "story seed \(seed): \(story.clientId) ended \(String(describing: final)), newest \(newest.id)")
    }
}
