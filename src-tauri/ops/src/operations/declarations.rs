// Every operation the front ends use, each declared once: its name, its
// request's fields, its reply (and progress), and its body, a few lines over
// `workbench_core::api`. See `declare.rs` for what is made of them. This file
// holds nothing but the declarations, because the desktop app's build
// script reads it to learn their names (the command permissions): each
// declaration starts on its own line, at four spaces, `name(Request {`.
//
// Adding an operation: add its declaration here, then its use in the UI.
// `UPDATE_BINDINGS=1 cargo test -p workbench-ops --features ts` writes its
// TypeScript; the app's build picks up its name.

operations! {
    // ---- The user and the files they choose ------------------------------------

    /// The profile: the user, the language and the recent engagements.
    get_profile(GetProfileRequest {}) -> ProfileView |s, _r, _p| {
        let profile = s.profile().clone();
        Ok(profile_view(s, &profile))
    }

    /// Saves the user's name, initials, role and language.
    /// Switching to a person who has a signing key on this computer needs
    /// their PIN (`pin`), which opens the key for their signatures.
    save_profile(SaveProfileRequest { profile: ProfileEdit, pin: Option<Passphrase> }) -> ProfileView |s, r, _p| {
        let mut profile = s.profile().clone();
        if r.profile.name != profile.name {
            switch_person(s, &r.profile.name, r.pin.as_ref())?;
        }
        profile.name = r.profile.name;
        profile.initials = r.profile.initials;
        profile.role = r.profile.role;
        profile.lang = r.profile.lang;
        profile.save(s.data_dir())?;
        *s.profile() = profile.clone();
        Ok(profile_view(s, &profile))
    }

    /// The native dialog to open an engagement; `null` when cancelled.
    pick_engagement_to_open(PickEngagementToOpenRequest {}) -> Option<FileHandle> |s, _r, _p| {
        Ok(s.host().pick_engagement_to_open().map(|p| s.handle_for(p)))
    }

    /// A free file for a new engagement named after its service, in the
    /// user's documents folder.
    suggest_engagement_file(SuggestEngagementFileRequest { service_name: String }) -> ChosenFile |s, r, _p| {
        Ok(chosen(s, suggested_engagement_path(s, &r.service_name)))
    }

    /// The native save dialog for a new engagement, starting at the
    /// suggested file; `null` when cancelled.
    pick_engagement_to_create(PickEngagementToCreateRequest { service_name: String }) -> Option<ChosenFile> |s, r, _p| {
        let suggested = suggested_engagement_path(s, &r.service_name);
        Ok(s.host().pick_engagement_to_create(&suggested).map(|p| chosen(s, p)))
    }

    /// Opens an engagement (and remembers it first in the recent list).
    open_engagement(OpenEngagementRequest { file: FileHandle }) -> OpenedEngagement |s, r, _p| {
        opened(s, &s.path(&r.file)?)
    }

    /// Gives the passphrase of an encrypted file (an engagement to open, a
    /// field copy to merge), checked at once: a wrong one is refused
    /// (`wrong_passphrase`) with no other effect; the right one is kept in
    /// memory until the engagement is closed or the app exits.
    unlock_file(UnlockFileRequest { file: FileHandle, passphrase: Passphrase }) -> () |s, r, _p| {
        api::cipher::unlock(&s.path(&r.file)?, r.passphrase.take())
    }

    /// Forgets the passphrase given for a file (a field copy once merged,
    /// or a passphrase the file no longer takes).
    forget_passphrase(ForgetPassphraseRequest { file: FileHandle }) -> () |s, r, _p| {
        api::cipher::forget_passphrase(&s.path(&r.file)?);
        Ok(())
    }

    /// Closes the engagement: its passphrase is forgotten and the plain
    /// copies opened with the system's viewer are removed.
    close_engagement(CloseEngagementRequest { engagement: FileHandle }) -> () |s, r, _p| {
        api::cipher::forget_passphrase(&s.path(&r.engagement)?);
        api::clear_viewer_copies()
    }

    /// Checks a new passphrase as it is typed: its problems and strength.
    check_new_passphrase(CheckNewPassphraseRequest { passphrase: Passphrase, repeat: Passphrase }) -> PassphraseCheck |_s, r, _p| {
        Ok(api::cipher::check_typed(r.passphrase.expose(), r.repeat.expose()))
    }

    /// Opens the demo engagement, creating it in the data folder the first
    /// time, with its team's demo keys (PIN `0000`) on its roster.
    open_demo(OpenDemoRequest {}) -> OpenedEngagement |s, _r, _p| {
        std::fs::create_dir_all(s.data_dir()).map_err(|e| Error::Io { path: s.data_dir().to_path_buf(), source: e })?;
        let path = s.data_dir().join(format!("demo.{EXTENSION}"));
        if !path.exists() {
            s.with_ctx(|ctx| api::create_demo_with_keys(&path, uuid::Uuid::new_v4().to_string(), s.data_dir(), false, ctx))?;
        }
        opened(s, &path)
    }

    // ---- Creating an engagement ---------------------------------------------------

    /// The catalogs of the library.
    list_catalogs(ListCatalogsRequest {}) -> Vec<CatalogSummary> |s, _r, _p| {
        api::list_catalogs(s.data_dir())
    }

    /// Checks a new engagement's fields as the user types: problems, warnings, derived dates.
    check_fields(CheckFieldsRequest { fields: EngagementFields }) -> FieldCheck |_s, r, _p| {
        Ok(api::check_fields(&r.fields))
    }

    /// Creates an engagement in the chosen file from a library catalog
    /// (`NAME@VERSION`), or from the bundled sample catalog when `catalog` is empty.
    /// With `passphrase` (typed twice: `passphrase_repeat`) the file is
    /// encrypted from its first byte; without, it is plain.
    create_engagement(CreateEngagementRequest { file: FileHandle, catalog: String, fields: EngagementFields, passphrase: Option<Passphrase>, passphrase_repeat: Option<Passphrase> }) -> OpenedEngagement |s, r, _p| {
        let path = s.path(&r.file)?;
        new_file_passphrase(&path, r.passphrase, r.passphrase_repeat)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io { path: dir.to_path_buf(), source: e })?;
        }
        let uuid = uuid::Uuid::new_v4().to_string();
        let created = s.with_ctx(|ctx| {
            if r.catalog.is_empty() {
                api::create_engagement_from_sample(&path, uuid, r.fields, default_rules(), ctx)
            } else {
                api::create_engagement(&path, s.data_dir(), &r.catalog, None, uuid, r.fields, default_rules(), ctx)
            }
        });
        // A refused creation (the file exists, a field) keeps no passphrase for that path.
        if let Err(e) = created {
            api::cipher::forget_passphrase(&path);
            return Err(e);
        }
        opened(s, &path)
    }

    // ---- Reading an engagement -----------------------------------------------------

    /// The dashboard; overdue requests are judged by today's date in Japan.
    dashboard(DashboardRequest { engagement: FileHandle }) -> Dashboard |s, r, _p| {
        api::dashboard(&s.path(&r.engagement)?, today_in_japan())
    }

    /// Every catalog item, assessed controls with their status and result.
    list_controls(ListControlsRequest { engagement: FileHandle }) -> Vec<ControlRow> |s, r, _p| {
        api::list_controls(&s.path(&r.engagement)?)
    }

    /// The catalog items holding every word of the query (IDs, titles and
    /// criterion text, Japanese and English), each with its context.
    search_controls(SearchControlsRequest { engagement: FileHandle, query: String }) -> SearchResult |s, r, _p| {
        api::search_controls(&s.path(&r.engagement)?, &r.query)
    }

    /// One control with everything the walkthrough shows.
    control_detail(ControlDetailRequest { engagement: FileHandle, control_id: String }) -> ControlDetail |s, r, _p| {
        api::control_detail(&s.path(&r.engagement)?, &r.control_id)
    }

    // ---- The work on a control -------------------------------------------------------

    set_scope(SetScopeRequest { engagement: FileHandle, control_id: String, decision: ScopeDecision, reason: String, inherited_from: Option<InheritedService> }) -> ControlDetail |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::set_scope(&path, &r.control_id, r.decision, &r.reason, r.inherited_from, ctx))
    }

    add_procedure(AddProcedureRequest { engagement: FileHandle, control_id: String, procedure: NewProcedure }) -> Procedure |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::add_procedure(&path, &r.control_id, r.procedure, ctx))
    }

    /// Changes the given fields of a procedure (autosave sends one at a time).
    update_procedure(UpdateProcedureRequest { engagement: FileHandle, procedure_id: String, patch: ProcedurePatch }) -> Procedure |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::update_procedure(&path, &r.procedure_id, r.patch, ctx))
    }

    remove_procedure(RemoveProcedureRequest { engagement: FileHandle, procedure_id: String }) -> () |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::remove_procedure(&path, &r.procedure_id, ctx))
    }

    add_exception(AddExceptionRequest { engagement: FileHandle, procedure_id: String, text: String }) -> ExceptionRecord |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::add_exception(&path, &r.procedure_id, &r.text, ctx))
    }

    edit_exception(EditExceptionRequest { engagement: FileHandle, exception_id: String, text: String }) -> ExceptionRecord |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::edit_exception(&path, &r.exception_id, &r.text, ctx))
    }

    remove_exception(RemoveExceptionRequest { engagement: FileHandle, exception_id: String }) -> () |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::remove_exception(&path, &r.exception_id, ctx))
    }

    // ---- Evidence and the PBC list ------------------------------------------------------

    /// The native multi-file dialog, each file with the intake form's
    /// defaults; empty when cancelled.
    pick_evidence_files(PickEvidenceFilesRequest {}) -> Vec<PickedFile> |s, _r, _p| {
        picked(s, s.host().pick_evidence_files())
    }

    /// Takes the files in, all linked to `links`, in one transaction: all or
    /// none. A cancelled or failed intake stores nothing.
    add_evidence(AddEvidenceRequest { engagement: FileHandle, files: Vec<IntakeItem>, links: Vec<EvidenceLink> }) -> Vec<Evidence>, progress = IntakeProgress |s, r, p| {
        let path = s.path(&r.engagement)?;
        let files = r
            .files
            .into_iter()
            .map(|f| Ok(api::IntakeFile { path: s.path(&f.file)?, meta: f.meta }))
            .collect::<Result<Vec<_>>>()?;
        let cancel = s.intake_cancel();
        cancel.store(false, std::sync::atomic::Ordering::SeqCst);
        s.with_ctx(|ctx| {
            api::add_evidence(&path, &files, &r.links, ctx, &mut |progress: &IntakeProgress| {
                p.send(progress, progress.bytes_done == progress.bytes_total);
                !cancel.load(std::sync::atomic::Ordering::SeqCst)
            })
        })
    }

    /// Cancels the running intake (it then fails with `cancelled`).
    cancel_intake(CancelIntakeRequest {}) -> () |s, _r, _p| {
        s.intake_cancel().store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    list_evidence(ListEvidenceRequest { engagement: FileHandle, include_removed: bool }) -> Vec<Evidence> |s, r, _p| {
        api::list_evidence(&s.path(&r.engagement)?, r.include_removed)
    }

    edit_evidence(EditEvidenceRequest { engagement: FileHandle, evidence_id: String, patch: EvidencePatch }) -> Evidence |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::edit_evidence(&path, &r.evidence_id, r.patch, ctx))
    }

    link_evidence(LinkEvidenceRequest { engagement: FileHandle, evidence_id: String, link: EvidenceLink }) -> Evidence |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::link_evidence(&path, &r.evidence_id, r.link, ctx))
    }

    unlink_evidence(UnlinkEvidenceRequest { engagement: FileHandle, evidence_id: String, link: EvidenceLink }) -> Evidence |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::unlink_evidence(&path, &r.evidence_id, r.link, ctx))
    }

    /// Withdraws an item (a reason is required); its record and content stay.
    remove_evidence(RemoveEvidenceRequest { engagement: FileHandle, evidence_id: String, reason: String }) -> Evidence |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::remove_evidence(&path, &r.evidence_id, &r.reason, ctx))
    }

    /// At most `limit` bytes of an item's content, for previews.
    evidence_content(EvidenceContentRequest { engagement: FileHandle, evidence_id: String, #[cfg_attr(feature = "ts", ts(type = "number"))] limit: u64 }) -> Bytes |s, r, _p| {
        let (_, bytes, _) = api::evidence_content(&s.path(&r.engagement)?, &r.evidence_id, r.limit)?;
        Ok(Bytes(bytes))
    }

    /// Opens a copy of an item with the system's app: only documents and
    /// images that run nothing, from a folder private to the user.
    open_evidence(OpenEvidenceRequest { engagement: FileHandle, evidence_id: String }) -> () |s, r, _p| {
        let copy = api::viewer_copy(&s.path(&r.engagement)?, &r.evidence_id)?;
        s.host().open(&copy).map_err(|e| host_error(&copy, e))
    }

    /// Re-hashes every stored item.
    verify_evidence(VerifyEvidenceRequest { engagement: FileHandle }) -> EvidenceCheck, progress = VerifyProgress |s, r, p| {
        api::verify_evidence(&s.path(&r.engagement)?, &mut |done, total| {
            p.send(&VerifyProgress { done, total }, done == total);
            true
        })
    }

    /// The PBC list, each request with whether it is open and overdue today.
    list_pbc(ListPbcRequest { engagement: FileHandle }) -> Vec<PbcRow> |s, r, _p| {
        let today = today_in_japan();
        Ok(api::list_pbc(&s.path(&r.engagement)?)?.into_iter().map(|q| pbc_row(q, today)).collect())
    }

    add_pbc(AddPbcRequest { engagement: FileHandle, fields: PbcFields }) -> PbcRow |s, r, _p| {
        let path = s.path(&r.engagement)?;
        Ok(pbc_row(s.with_ctx(|ctx| api::add_pbc(&path, r.fields, ctx))?, today_in_japan()))
    }

    edit_pbc(EditPbcRequest { engagement: FileHandle, request_id: String, fields: PbcFields }) -> PbcRow |s, r, _p| {
        let path = s.path(&r.engagement)?;
        Ok(pbc_row(s.with_ctx(|ctx| api::edit_pbc(&path, &r.request_id, r.fields, ctx))?, today_in_japan()))
    }

    // ---- Review and sign-off ----------------------------------------------------------

    /// The work queue of a team member (of the person using the app when
    /// none is named): what waits for review, for signing again, for an
    /// answer or clearing, and what is not yet prepared.
    review_queue(ReviewQueueRequest { engagement: FileHandle, person: Option<String> }) -> ReviewQueue |s, r, _p| {
        let person = r.person.clone().unwrap_or_else(|| s.actor().name);
        api::review_queue(&s.path(&r.engagement)?, &person)
    }

    review_summary(ReviewSummaryRequest { engagement: FileHandle }) -> ReviewSummary |s, r, _p| {
        api::review_summary(&s.path(&r.engagement)?)
    }

    /// Signs an item at `level` as the session's user.
    sign_off(SignOffRequest { engagement: FileHandle, item_kind: SignableKind, item_id: String, level: SignOffLevel }) -> ReviewState |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| {
            s.with_key(&ctx.actor.name, |key| api::sign_off_with_key(&path, r.item_kind, &r.item_id, r.level, key, ctx))
        })
    }

    add_note(AddNoteRequest { engagement: FileHandle, target_kind: NoteTargetKind, target_id: String, text: String }) -> ReviewNote |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::add_note(&path, r.target_kind, &r.target_id, &r.text, ctx))
    }

    answer_note(AnswerNoteRequest { engagement: FileHandle, note_id: String, text: String }) -> ReviewNote |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::answer_note(&path, &r.note_id, &r.text, ctx))
    }

    clear_note(ClearNoteRequest { engagement: FileHandle, note_id: String }) -> ReviewNote |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::clear_note(&path, &r.note_id, ctx))
    }

    /// What the suffixes P, B and PB of detailed controls mean (CC2022 §2.1), as the engagement's catalog says.
    suffix_legend(SuffixLegendRequest { engagement: FileHandle }) -> Vec<workbench_core::model::catalog::SuffixMeaning> |s, r, _p| {
        api::suffix_legend(&s.path(&r.engagement)?)
    }

    /// The firm's table of assessment targets (CC2022 Attached table 8), or the shipped one.
    assessment_targets(AssessmentTargetsRequest {}) -> Vec<workbench_core::model::procedure::TargetDefaults> |s, _r, _p| {
        api::assessment_targets(s.data_dir())
    }

    // ---- Controls changed during the period --------------------------------------------

    /// The kinds of change a control may record (ISMAP FAQ KB0010866).
    control_change_kinds(ControlChangeKindsRequest {}) -> Vec<workbench_core::model::change::ChangeKindInfo> |_s, _r, _p| {
        api::control_change_kinds()
    }

    /// Records that a control changed during the period, from a date on.
    record_control_change(RecordControlChangeRequest { engagement: FileHandle, control_id: String, change: workbench_core::model::change::ControlChangeInput }) -> ControlDetail |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::record_control_change(&path, &r.control_id, r.change, ctx))
    }

    /// Takes back a change recorded by mistake.
    remove_control_change(RemoveControlChangeRequest { engagement: FileHandle, change_id: String }) -> ControlDetail |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::remove_control_change(&path, &r.change_id, ctx))
    }

    // ---- The written representation and subsequent events ------------------------------

    /// The representation, the subsequent events and up to when they were considered.
    closing(ClosingRequest { engagement: FileHandle }) -> ClosingView |s, r, _p| {
        api::closing(&s.path(&r.engagement)?)
    }

    /// Records the provider's written representation (経営者確認書), replacing the one before.
    record_representation(RecordRepresentationRequest { engagement: FileHandle, representation: RepresentationInput }) -> ClosingView |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::record_representation(&path, r.representation, ctx))
    }

    add_subsequent_event(AddSubsequentEventRequest { engagement: FileHandle, event: SubsequentEventInput }) -> ClosingView |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::add_subsequent_event(&path, r.event, ctx))
    }

    remove_subsequent_event(RemoveSubsequentEventRequest { engagement: FileHandle, event_id: String }) -> ClosingView |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::remove_subsequent_event(&path, &r.event_id, ctx))
    }

    /// A manager's statement that subsequent events were considered up to `through`.
    consider_subsequent_events(ConsiderSubsequentEventsRequest { engagement: FileHandle, #[cfg_attr(feature = "ts", ts(as = "workbench_core::model::IsoDate"))] through: NaiveDate }) -> ClosingView |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::consider_subsequent_events(&path, r.through, ctx))
    }

    /// What still blocks finalizing.
    finalize_check(FinalizeCheckRequest { engagement: FileHandle }) -> FinalizeCheck |s, r, _p| {
        api::finalize_check(&s.path(&r.engagement)?, &api::assurance_phrases(s.data_dir())?)
    }

    finalize(FinalizeRequest { engagement: FileHandle }) -> OpenedEngagement |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| s.with_key(&ctx.actor.name, |key| api::finalize_with_key(&path, key, ctx)))?;
        opened(s, &path)
    }

    reopen(ReopenRequest { engagement: FileHandle, reason: String }) -> OpenedEngagement |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| s.with_key(&ctx.actor.name, |key| api::reopen_with_key(&path, &r.reason, key, ctx)))?;
        opened(s, &path)
    }

    /// The events about an item, oldest first.
    item_history(ItemHistoryRequest { engagement: FileHandle, item_id: String }) -> Vec<EventRecord> |s, r, _p| {
        api::item_history(&s.path(&r.engagement)?, &r.item_id)
    }

    // ---- Sampling and test grids ------------------------------------------------------

    /// The native dialog for a population list (CSV or Excel); `null` when cancelled.
    pick_population_file(PickPopulationFileRequest {}) -> Option<ChosenFile> |s, _r, _p| {
        Ok(s.host().pick_population_file().map(|p| chosen(s, p)))
    }

    /// A population file's columns, first rows and guessed columns.
    preview_population(PreviewPopulationRequest { file: FileHandle }) -> PopulationPreview |s, r, _p| {
        api::preview_population(&s.path(&r.file)?)
    }

    /// The sampling panel of a procedure.
    sampling(SamplingRequest { engagement: FileHandle, procedure_id: String }) -> SamplingView |s, r, _p| {
        let state = api::sampling(&s.path(&r.engagement)?, &r.procedure_id)?;
        sampling_view(s, state)
    }

    import_population(ImportPopulationRequest { engagement: FileHandle, procedure_id: String, file: FileHandle, columns: PopulationColumns }) -> SamplingView |s, r, _p| {
        let file = s.path(&r.file)?;
        sampling_change(s, &r.engagement, |path, ctx| api::import_population(path, &r.procedure_id, &file, &r.columns, ctx))
    }

    set_population_count(SetPopulationCountRequest { engagement: FileHandle, procedure_id: String, count: u32 }) -> SamplingView |s, r, _p| {
        sampling_change(s, &r.engagement, |path, ctx| api::set_population_count(path, &r.procedure_id, r.count, ctx))
    }

    /// The firm's sample-size table (the shipped default until one is saved).
    sample_rules(SampleRulesRequest {}) -> SampleRuleTable |s, _r, _p| {
        api::sample_rules(s.data_dir())
    }

    /// Makes an edited table the firm's; used for new samples only.
    save_sample_rules(SaveSampleRulesRequest { table: SampleRuleTable }) -> SampleRuleTable |s, r, _p| {
        api::save_sample_rules(s.data_dir(), r.table)
    }

    reset_sample_rules(ResetSampleRulesRequest {}) -> SampleRuleTable |s, _r, _p| {
        api::reset_sample_rules(s.data_dir())
    }

    /// Draws a sample with the firm's rule table.
    select_sample(SelectSampleRequest { engagement: FileHandle, procedure_id: String, request: SampleRequest }) -> SamplingView |s, r, _p| {
        let data_dir = s.data_dir().to_path_buf();
        sampling_change(s, &r.engagement, |path, ctx| api::select_sample(path, &data_dir, &r.procedure_id, &r.request, ctx))
    }

    select_sample_manually(SelectSampleManuallyRequest { engagement: FileHandle, procedure_id: String, item_ids: Vec<String>, reason: String }) -> SamplingView |s, r, _p| {
        sampling_change(s, &r.engagement, |path, ctx| api::select_sample_manually(path, &r.procedure_id, &r.item_ids, &r.reason, ctx))
    }

    add_sample_item(AddSampleItemRequest { engagement: FileHandle, procedure_id: String, item_id: String, reason: String }) -> SamplingView |s, r, _p| {
        sampling_change(s, &r.engagement, |path, ctx| api::add_sample_item(path, &r.procedure_id, &r.item_id, &r.reason, ctx))
    }

    discard_sample(DiscardSampleRequest { engagement: FileHandle, procedure_id: String, reason: String }) -> SamplingView |s, r, _p| {
        sampling_change(s, &r.engagement, |path, ctx| api::discard_sample(path, &r.procedure_id, &r.reason, ctx))
    }

    /// Draws the sample again from its record.
    reproduce_sample(ReproduceSampleRequest { engagement: FileHandle, procedure_id: String }) -> Reproduction |s, r, _p| {
        api::reproduce_sample(&s.path(&r.engagement)?, &r.procedure_id)
    }

    add_attribute(AddAttributeRequest { engagement: FileHandle, procedure_id: String, text: String }) -> SamplingView |s, r, _p| {
        sampling_change(s, &r.engagement, |path, ctx| api::add_attribute(path, &r.procedure_id, &r.text, ctx))
    }

    edit_attribute(EditAttributeRequest { engagement: FileHandle, procedure_id: String, key: String, text: String }) -> SamplingView |s, r, _p| {
        sampling_change(s, &r.engagement, |path, ctx| api::edit_attribute(path, &r.procedure_id, &r.key, &r.text, ctx))
    }

    remove_attribute(RemoveAttributeRequest { engagement: FileHandle, procedure_id: String, key: String }) -> SamplingView |s, r, _p| {
        sampling_change(s, &r.engagement, |path, ctx| api::remove_attribute(path, &r.procedure_id, &r.key, ctx))
    }

    /// Enters a grid cell; a failure becomes an exception of the procedure.
    set_cell(SetCellRequest { engagement: FileHandle, procedure_id: String, no: u32, attribute: String, input: CellInput }) -> SamplingView |s, r, _p| {
        sampling_change(s, &r.engagement, |path, ctx| api::set_cell(path, &r.procedure_id, r.no, &r.attribute, &r.input, ctx))
    }

    set_tickmark(SetTickmarkRequest { engagement: FileHandle, tickmark: Tickmark }) -> Vec<Tickmark> |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::set_tickmark(&path, r.tickmark, ctx))
    }

    // ---- The report and the submission package ------------------------------------------

    /// What the export dialog proposes: the file name, the report date (today
    /// in Japan unless given) and the stages the export will go through.
    plan_export(PlanExportRequest { engagement: FileHandle, kind: ExportKind, lang: Lang, #[cfg_attr(feature = "ts", ts(as = "Option<workbench_core::model::IsoDate>"))] report_date: Option<NaiveDate>, signing: bool }) -> ExportPlan |s, r, _p| {
        let view = api::show_engagement(&s.path(&r.engagement)?)?;
        Ok(export_plan(&view, r.kind, r.lang, r.report_date.unwrap_or_else(today_in_japan), r.signing))
    }

    /// The native save dialog for an export, proposing `file_name`; `null` when cancelled.
    pick_export_destination(PickExportDestinationRequest { kind: ExportKind, file_name: String }) -> Option<ChosenFile> |s, r, _p| {
        Ok(s.host().pick_export_destination(&r.file_name, r.kind == ExportKind::Package).map(|p| chosen(s, p)))
    }

    /// The native dialog for the firm's PKCS#12 file; `null` when cancelled.
    pick_certificate(PickCertificateRequest {}) -> Option<ChosenFile> |s, _r, _p| {
        Ok(s.host().pick_certificate().map(|p| chosen(s, p)))
    }

    /// Writes the report (a draft while the engagement is open; the final
    /// report, signed when a certificate is given, once finalized) or the
    /// signed submission package, whole or not at all.
    export(ExportRequest { engagement: FileHandle, choice: ExportChoice }) -> Exported, progress = ExportProgress |s, r, p| {
        let written = s.path(&r.choice.destination)?;
        let result = run_export(s, &r.engagement, r.choice, &mut p)?;
        Ok(Exported { file: s.mark_written(written), result })
    }

    /// Opens a file the app has just written (a report) with the system's app.
    open_exported(OpenExportedRequest { file: FileHandle }) -> () |s, r, _p| {
        let path = s.written(&r.file)?;
        s.host().open(&path).map_err(|e| host_error(&path, e))
    }

    /// Shows a file the app has just written (a package) in its folder.
    show_exported(ShowExportedRequest { file: FileHandle }) -> () |s, r, _p| {
        let path = s.written(&r.file)?;
        s.host().show_in_folder(&path).map_err(|e| host_error(&path, e))
    }

    /// Checks the engagement's audit trail: the hash chain, the state
    /// rebuilt from the events against the stored state, and every sign-off.
    verify_log(VerifyLogRequest { engagement: FileHandle }) -> ChainReport |s, r, _p| {
        api::verify_log(&s.path(&r.engagement)?, None)
    }

    // ---- Team fieldwork: field copies and merging them back ------------------------------

    /// The native save dialog for a field copy for `for_name`, starting at a
    /// free file beside the engagement; `null` when cancelled.
    pick_copy_destination(PickCopyDestinationRequest { engagement: FileHandle, for_name: String }) -> Option<ChosenFile> |s, r, _p| {
        let suggested = suggested_copy_path(&s.path(&r.engagement)?, &r.for_name);
        Ok(s.host().pick_engagement_to_create(&suggested).map(|p| chosen(s, p)))
    }

    /// Writes a field copy of the engagement for one team member: all its
    /// evidence, or that of `controls`, or of the controls assigned to them.
    /// The copy of an encrypted engagement is encrypted with its passphrase,
    /// or with `passphrase` when one is given (typed twice: `passphrase_repeat`),
    /// which is then forgotten: merging the copy asks for it.
    make_copy(MakeCopyRequest { engagement: FileHandle, file: FileHandle, for_name: String, scope: CopyScopeChoice, passphrase: Option<Passphrase>, passphrase_repeat: Option<Passphrase> }) -> CopyMade |s, r, _p| {
        let (path, out) = (s.path(&r.engagement)?, s.path(&r.file)?);
        new_file_passphrase(&out, r.passphrase, r.passphrase_repeat)?;
        let scope = match r.scope {
            CopyScopeChoice::All => CopyScope::All,
            CopyScopeChoice::Assigned => CopyScope::Assigned,
            CopyScopeChoice::Controls { ids } => CopyScope::Controls(ids),
        };
        let made = s.with_ctx(|ctx| api::make_copy(&path, &out, &r.for_name, scope, uuid::Uuid::new_v4().to_string(), ctx));
        // The copy's own passphrase is for its holder: it is asked again when the copy comes back.
        api::cipher::forget_passphrase(&out);
        made
    }

    /// The native dialog to choose a field copy to merge; `null` when cancelled.
    pick_copy_to_merge(PickCopyToMergeRequest {}) -> Option<ChosenFile> |s, _r, _p| {
        Ok(s.host().pick_engagement_to_open().map(|p| chosen(s, p)))
    }

    /// Brings a field copy's work back into the engagement.
    merge_copy(MergeCopyRequest { engagement: FileHandle, copy: FileHandle }) -> MergeOutcome |s, r, _p| {
        let (path, copy) = (s.path(&r.engagement)?, s.path(&r.copy)?);
        s.with_ctx(|ctx| api::merge(&path, &copy, ctx))
    }

    /// The conflicts merges found: open ones, or all with `all`.
    list_conflicts(ListConflictsRequest { engagement: FileHandle, all: bool }) -> Vec<Conflict> |s, r, _p| {
        api::conflicts(&s.path(&r.engagement)?, r.all)
    }

    /// Decides a conflict: one side's value, or a typed text.
    resolve_conflict(ResolveConflictRequest { engagement: FileHandle, key: String, choice: Choice }) -> Conflict |s, r, _p| {
        let path = s.path(&r.engagement)?;
        s.with_ctx(|ctx| api::resolve_conflict(&path, &r.key, r.choice, ctx))
    }

    // ---- Personal signing keys (docs/security.md) --------------------------------------

    /// The signing keys of this computer.
    signing_keys(SigningKeysRequest {}) -> Vec<KeySummary> |s, _r, _p| {
        workbench_core::keys::list(s.data_dir())
    }

    /// Makes the profile person's signing key, sealed under `pin`, and opens it.
    create_signing_key(CreateSigningKeyRequest { pin: Passphrase }) -> KeySummary |s, r, _p| {
        let name = s.actor().name;
        let made = workbench_core::keys::create(s.data_dir(), &name, r.pin.expose(), format_time(s.now()))?;
        s.keep_key(workbench_core::keys::unlock(s.data_dir(), &made.fingerprint, r.pin.expose())?);
        Ok(made)
    }

    /// Opens the profile person's signing key with their PIN, for their
    /// signatures over the next few minutes.
    unlock_signing_key(UnlockSigningKeyRequest { pin: Passphrase }) -> KeySummary |s, r, _p| {
        let name = s.actor().name;
        let found = workbench_core::keys::find(s.data_dir(), &name)?;
        s.keep_key(workbench_core::keys::unlock(s.data_dir(), &found.fingerprint, r.pin.expose())?);
        Ok(found)
    }

    /// Writes the profile person's member card (name, role, public key,
    /// fingerprint) where they choose, to hand to the manager; `null` when
    /// the save dialog is cancelled.
    save_member_card(SaveMemberCardRequest {}) -> Option<ChosenFile> |s, _r, _p| {
        let (name, role) = { let p = s.profile(); (p.name.clone(), p.role) };
        let found = workbench_core::keys::find(s.data_dir(), &name)?;
        let Some(out) = s.host().pick_key_destination(&key_file_name("member-card", &found.fingerprint)) else { return Ok(None) };
        workbench_core::keys::write_card(s.data_dir(), &found.fingerprint, Some(role), &out)?;
        Ok(Some(chosen(s, out)))
    }

    /// Writes the profile person's key, still sealed under their PIN, where
    /// they choose, to carry to another computer of theirs; `null` when the
    /// save dialog is cancelled.
    export_signing_key(ExportSigningKeyRequest {}) -> Option<ChosenFile> |s, _r, _p| {
        let name = s.actor().name;
        let found = workbench_core::keys::find(s.data_dir(), &name)?;
        let Some(out) = s.host().pick_key_destination(&key_file_name("signing-key", &found.fingerprint)) else { return Ok(None) };
        workbench_core::keys::export(s.data_dir(), &found.fingerprint, &out)?;
        Ok(Some(chosen(s, out)))
    }

    /// The native dialog for a key file carried from another computer; `null` when cancelled.
    pick_key_file(PickKeyFileRequest {}) -> Option<ChosenFile> |s, _r, _p| {
        Ok(s.host().pick_key_file().map(|p| chosen(s, p)))
    }

    /// Brings a key file into this computer's data folder; its PIN must
    /// open it. A key of the profile person is then open for signing.
    import_signing_key(ImportSigningKeyRequest { file: FileHandle, pin: Passphrase }) -> KeySummary |s, r, _p| {
        let path = s.path(&r.file)?;
        let here = workbench_core::keys::import(s.data_dir(), &path, r.pin.expose())?;
        if here.name == s.actor().name {
            s.keep_key(workbench_core::keys::unlock(s.data_dir(), &here.fingerprint, r.pin.expose())?);
        }
        Ok(here)
    }

    /// The engagement's roster of public keys.
    roster(RosterRequest { engagement: FileHandle }) -> Vec<RosterEntry> |s, r, _p| {
        api::roster(&s.path(&r.engagement)?)
    }

    /// The native dialog for a member card; `null` when cancelled.
    pick_member_card(PickMemberCardRequest {}) -> Option<ChosenFile> |s, _r, _p| {
        Ok(s.host().pick_member_card().map(|p| chosen(s, p)))
    }

    /// Adds the key of a member card to the roster, signed with the
    /// manager's key, opened now with `pin`.
    add_member_key(AddMemberKeyRequest { engagement: FileHandle, card: FileHandle, pin: Passphrase }) -> Vec<RosterEntry> |s, r, _p| {
        let (path, card) = (s.path(&r.engagement)?, s.path(&r.card)?);
        let name = s.actor().name;
        let found = workbench_core::keys::find(s.data_dir(), &name)?;
        let key = workbench_core::keys::unlock(s.data_dir(), &found.fingerprint, r.pin.expose())?;
        let added = s.with_ctx(|ctx| api::add_member_key(&path, &card, &key, ctx))?;
        s.keep_key(key);
        Ok(added)
    }

    /// Takes a key off the roster (a lost laptop, a member who left), with
    /// the reason, signed with the manager's key, opened now with `pin`.
    /// Its past signatures stay valid; it signs nothing new.
    remove_member_key(RemoveMemberKeyRequest { engagement: FileHandle, fingerprint: String, reason: String, pin: Passphrase }) -> Vec<RosterEntry> |s, r, _p| {
        let path = s.path(&r.engagement)?;
        let name = s.actor().name;
        let found = workbench_core::keys::find(s.data_dir(), &name)?;
        let key = workbench_core::keys::unlock(s.data_dir(), &found.fingerprint, r.pin.expose())?;
        let left = s.with_ctx(|ctx| api::remove_member_key(&path, &r.fingerprint, &r.reason, &key, ctx))?;
        s.keep_key(key);
        Ok(left)
    }
}
